package io.atende.reply;

import io.atende.llm.LlmAnswer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rewrites an LLM answer written in Markdown into WhatsApp's own formatting, because WhatsApp shows Markdown
 * literally ({@code **bold**}, {@code # Title}, {@code [text](url)}) to the customer.
 * <p>
 * The input is read as Markdown, line by line. Blocks: ATX headings become one bold line (bold inside them is dropped,
 * since WhatsApp cannot nest bold in bold); {@code *}, {@code +} and {@code -} bullets become {@code -}, indentation
 * kept; numbered lists and {@code >} quotes keep their markers; a rule ({@code ---}, {@code ***}, {@code ___}) becomes
 * the blank line between its sections, or nothing when a blank line is already there; fenced code keeps its content
 * byte for byte, its fences become a bare {@code ```} (the language tag would show as text, and an unclosed fence is
 * closed at the end as Markdown does); a table is left exactly as written, since WhatsApp has no tables and any
 * rewriting of one is a guess. Setext headings are not recognised: their {@code ---} underline is taken as a rule.
 * <p>
 * Inline, with Markdown's (CommonMark's) delimiter rules: {@code **x**} and {@code __x__} become {@code *x*};
 * {@code *x*} and {@code _x_} become {@code _x_}; {@code ~~x~~} becomes {@code ~x~}; {@code ***x***} is italic around
 * bold, {@code _*x*_}. Unlike Markdown, an {@code *} inside a word never opens or closes emphasis (Markdown already
 * says so for {@code _}), so {@code 2*3*4} and {@code x**2 + y**2} stay. {@code [text](url)} and {@code ![alt](url)}
 * become {@code text url}, or just the address when the text is the address; {@code <url>} loses its brackets;
 * a backslash escape loses its backslash. Code spans and web addresses are never converted inside. Lines are converted
 * one at a time, so emphasis never spans a line break (WhatsApp's does not either). Line breaks come out as {@code \n};
 * nothing is trimmed.
 * <p>
 * The input is taken to be Markdown, so a single-asterisk {@code *x*} is italic and becomes {@code _x_}, even if the
 * model meant WhatsApp bold: telling the two apart is a guess, and Markdown is what models write. Text already in
 * WhatsApp format therefore comes back unchanged except for that bold; the formatter is meant to run once per answer.
 * <p>
 * Stateless and thread-safe.
 */
public final class WhatsAppFormat {

    // No pattern here repeats a group: Java matches a repeated group by recursion, and a degenerate answer (a line
    // of ten thousand underscores) would overflow the stack. Repeated character classes are matched by a loop.
    private static final Pattern LINE_BREAK = Pattern.compile("\r\n|[\r\n]");
    // Backtick fences may not have a backtick in their info string (so ```x``` on one line is a code span).
    private static final Pattern FENCE_OPEN = Pattern.compile("([ \t]*)(?:(`{3,})[^`]*|(~{3,}).*)");
    private static final Pattern HEADING = Pattern.compile(" {0,3}#{1,6}(?:[ \t]+(.*))?");
    private static final Pattern BULLET = Pattern.compile("([ \t]*)[*+-]([ \t]+.*)");

    // [text](url "title") and ![alt](url); the address may hold one pair of parentheses (Wikipedia).
    private static final Pattern LINK = Pattern.compile(
            "!?\\[([^\\[\\]]*)\\]\\([ \t]*(<[^<>\n]*>|[^\\s()<>]+(?:\\([^\\s()]*\\)[^\\s()<>]*)?)"
                    + "(?:[ \t]+(?:\"[^\"]*\"|'[^']*'|\\([^()]*\\)))?[ \t]*\\)");
    // Only these schemes, so that <nome:valor> or <10:30> in prose stays as written.
    private static final Pattern AUTOLINK = Pattern.compile(
            "<((?i:https?|ftp|mailto|tel):[^\\s<>]+|[\\w.!#$%&'*+/=?^`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?)>");
    private static final Pattern BARE_URL = Pattern.compile("(?i:https?://|www\\.)[^\\s<>]+");
    private static final Pattern SHOWN_WITHOUT_SCHEME = Pattern.compile("^(?i:mailto|tel):");
    private static final Pattern WEB_SCHEME = Pattern.compile("^(?i:https?://)");
    // Left at the end of a bare address: sentence punctuation and emphasis closing around the address.
    private static final String URL_TRAILING = ".,:;!?*_~'\"";

    private static final String MONOSPACE_FENCE = "```";
    private static final String ITALIC = "_";
    private static final String BOLD = "*";
    private static final String STRIKE = "~";

    public WhatsAppFormat() {
    }

    /** The step of the conversation route: the reply in WhatsApp's formatting, the model's own text kept as it was. */
    public LlmAnswer reply(LlmAnswer answer) {
        return answer.withReply(format(answer.reply()));
    }

    /** @return the answer in WhatsApp's formatting; {@code null} for {@code null} */
    public String format(String markdown) {
        if (markdown == null) {
            return null;
        }
        String[] lines = LINE_BREAK.split(markdown, -1);
        List<String> out = new ArrayList<>(lines.length);
        char fenceChar = 0;
        int fenceLength = 0;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (fenceChar != 0) {
                if (closesFence(line, fenceChar, fenceLength)) {
                    out.add(leadingWhitespace(line) + MONOSPACE_FENCE);
                    fenceChar = 0;
                } else {
                    out.add(line);
                }
                continue;
            }
            Matcher fence = FENCE_OPEN.matcher(line);
            if (fence.matches()) {
                String run = fence.group(2) != null ? fence.group(2) : fence.group(3);
                fenceChar = run.charAt(0);
                fenceLength = run.length();
                out.add(fence.group(1) + MONOSPACE_FENCE);
                continue;
            }
            if (startsTable(lines, i)) {
                do {
                    out.add(lines[i++]);
                } while (i < lines.length && !lines[i].isBlank() && lines[i].indexOf('|') >= 0);
                i--;
                continue;
            }
            if (isRule(line)) {
                boolean blankBefore = out.isEmpty() || out.get(out.size() - 1).isBlank();
                boolean blankAfter = i + 1 == lines.length || lines[i + 1].isBlank();
                if (!blankBefore && !blankAfter) {
                    out.add("");
                } else if (blankBefore && i + 1 < lines.length && blankAfter) {
                    i++; // one blank line between the sections, not the two that surrounded the rule
                }
                continue;
            }
            out.add(convertLine(line));
        }
        if (fenceChar != 0) {
            // Keep a final line break after the closing fence where the text had one.
            boolean endsWithBreak = lines.length > 1 && lines[lines.length - 1].isEmpty();
            out.add(endsWithBreak ? out.size() - 1 : out.size(), MONOSPACE_FENCE);
        }
        return String.join("\n", out);
    }

    private static boolean closesFence(String line, char fenceChar, int fenceLength) {
        String t = line.strip();
        return t.length() >= fenceLength && t.chars().allMatch(c -> c == fenceChar);
    }

    private static String leadingWhitespace(String line) {
        int i = 0;
        while (i < line.length() && (line.charAt(i) == ' ' || line.charAt(i) == '\t')) {
            i++;
        }
        return line.substring(0, i);
    }

    /** A table is a row with a pipe followed by a delimiter row ({@code |---|:---:|}, {@code --- | ---}). */
    private static boolean startsTable(String[] lines, int i) {
        return lines[i].indexOf('|') >= 0 && i + 1 < lines.length && isTableDelimiterRow(lines[i + 1]);
    }

    private static boolean isTableDelimiterRow(String line) {
        boolean pipe = false;
        boolean dash = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            pipe |= c == '|';
            dash |= c == '-';
            if (c != '|' && c != '-' && c != ':' && c != ' ' && c != '\t') {
                return false;
            }
        }
        return pipe && dash;
    }

    /** {@code ---}, {@code ***} or {@code ___}, at least three of one of them, spaces allowed in between. */
    private static boolean isRule(String line) {
        int i = 0;
        while (i < line.length() && i < 3 && line.charAt(i) == ' ') {
            i++;
        }
        if (i == line.length() || "-*_".indexOf(line.charAt(i)) < 0) {
            return false;
        }
        char marker = line.charAt(i);
        int count = 0;
        for (; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == marker) {
                count++;
            } else if (c != ' ' && c != '\t') {
                return false;
            }
        }
        return count >= 3;
    }

    private static String convertLine(String line) {
        int end = quotePrefixEnd(line);
        return end == 0 ? convertBlock(line) : line.substring(0, end) + convertBlock(line.substring(end));
    }

    /** @return where the {@code >} markers (each after up to three spaces, each with one optional space) end */
    private static int quotePrefixEnd(String line) {
        int end = 0;
        int i = 0;
        while (true) {
            int spaces = 0;
            while (i < line.length() && line.charAt(i) == ' ' && spaces < 3) {
                i++;
                spaces++;
            }
            if (i == line.length() || line.charAt(i) != '>') {
                return end;
            }
            i++;
            if (i < line.length() && (line.charAt(i) == ' ' || line.charAt(i) == '\t')) {
                i++;
            }
            end = i;
        }
    }

    private static String convertBlock(String line) {
        if (isRule(line)) {
            return "";
        }
        Matcher heading = HEADING.matcher(line);
        if (heading.matches()) {
            String converted = inline(headingTitle(heading.group(1)), true).strip();
            return converted.isEmpty() ? "" : BOLD + converted + BOLD;
        }
        Matcher bullet = BULLET.matcher(line);
        if (bullet.matches()) {
            return bullet.group(1) + "-" + inline(bullet.group(2), false);
        }
        return inline(line, false);
    }

    /** The title without its optional closing run of {@code #} (which needs a space before it: C# keeps its #). */
    private static String headingTitle(String content) {
        if (content == null) {
            return "";
        }
        String title = content.strip();
        int hashes = title.length();
        while (hashes > 0 && title.charAt(hashes - 1) == '#') {
            hashes--;
        }
        if (hashes == 0) {
            return "";
        }
        if (hashes < title.length() && (title.charAt(hashes - 1) == ' ' || title.charAt(hashes - 1) == '\t')) {
            return title.substring(0, hashes).strip();
        }
        return title;
    }

    /** One run of {@code *}, {@code _} or {@code ~~}: a possible opener and closer of emphasis. */
    private static final class Run {
        final char marker;
        final int length;
        final boolean canOpen;
        final boolean canClose;
        final int index;
        int remaining;
        Run previous;
        Run next;
        // Marks written in place of the characters used: closes (inner first) before, opens (outer first) after.
        String closes = "";
        String opens = "";

        Run(char marker, int length, boolean canOpen, boolean canClose, int index) {
            this.marker = marker;
            this.length = length;
            this.canOpen = canOpen;
            this.canClose = canClose;
            this.index = index;
            this.remaining = length;
        }

        String text() {
            return closes + String.valueOf(marker).repeat(remaining) + opens;
        }
    }

    /**
     * Converts one line of inline Markdown. {@code insideBold}: the line is already bold (a heading), so bold marks
     * are dropped rather than nested.
     */
    private static String inline(String s, boolean insideBold) {
        int n = s.length();
        List<Object> pieces = new ArrayList<>();
        List<Run> runs = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        Matcher link = LINK.matcher(s);
        Matcher autolink = AUTOLINK.matcher(s);
        Matcher url = BARE_URL.matcher(s);
        int i = 0;
        while (i < n) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < n && isAsciiPunctuation(s.charAt(i + 1))) {
                text.append(s.charAt(i + 1));
                i += 2;
            } else if (c == '`') {
                int open = runLength(s, i, '`');
                int end = codeSpanEnd(s, i + open, open);
                int to = end < 0 ? i + open : end;
                text.append(s, i, to);
                i = to;
            } else if ((c == '[' || c == '!') && link.region(i, n).lookingAt()) {
                text.append(link(link, insideBold));
                i = link.end();
            } else if (c == '<' && autolink.region(i, n).lookingAt()) {
                text.append(autolink.group(1));
                i = autolink.end();
            } else if ((c == 'h' || c == 'H' || c == 'w' || c == 'W')
                    && (i == 0 || !Character.isLetterOrDigit(s.codePointBefore(i)))
                    && url.region(i, n).lookingAt()) {
                int end = trimUrl(s, i, url.end());
                text.append(s, i, end);
                i = end;
            } else if (c == '*' || c == '_' || c == '~') {
                int length = runLength(s, i, c);
                if (c == '~' && length != 2) {
                    text.append(s, i, i + length); // ~x~ is already WhatsApp's strikethrough
                } else {
                    Run run = delimiterRun(s, i, length, runs.size());
                    flush(text, pieces);
                    pieces.add(run);
                    runs.add(run);
                }
                i += length;
            } else {
                text.append(c);
                i++;
            }
        }
        flush(text, pieces);
        if (runs.isEmpty()) {
            return pieces.isEmpty() ? "" : (String) pieces.get(0);
        }
        matchEmphasis(runs, insideBold ? "" : BOLD);
        StringBuilder out = new StringBuilder(n + 8);
        for (Object piece : pieces) {
            out.append(piece instanceof Run run ? run.text() : (String) piece);
        }
        return out.toString();
    }

    private static void flush(StringBuilder text, List<Object> pieces) {
        if (!text.isEmpty()) {
            pieces.add(text.toString());
            text.setLength(0);
        }
    }

    private static int runLength(String s, int from, char c) {
        int end = from;
        while (end < s.length() && s.charAt(end) == c) {
            end++;
        }
        return end - from;
    }

    /** @return the end of the backtick run of exactly {@code length} that closes the code span, or -1 */
    private static int codeSpanEnd(String s, int from, int length) {
        int j = from;
        while (j < s.length()) {
            if (s.charAt(j) == '`') {
                int run = runLength(s, j, '`');
                if (run == length) {
                    return j + run;
                }
                j += run;
            } else {
                j++;
            }
        }
        return -1;
    }

    private static String link(Matcher link, boolean insideBold) {
        String label = inline(link.group(1), insideBold).strip();
        String target = link.group(2);
        if (target.startsWith("<")) {
            target = target.substring(1, target.length() - 1);
        }
        // A mail or phone address is shown bare: WhatsApp links those itself, and "mailto:" means nothing to a reader.
        String shown = SHOWN_WITHOUT_SCHEME.matcher(target).replaceFirst("");
        if (label.isEmpty() || sameAddress(label, shown)) {
            return shown;
        }
        return label + " " + shown;
    }

    /** {@code www.loja.com.br} and {@code https://www.loja.com.br/} are the same address to a reader. */
    private static boolean sameAddress(String label, String address) {
        return bareAddress(label).equalsIgnoreCase(bareAddress(address));
    }

    private static String bareAddress(String address) {
        String bare = WEB_SCHEME.matcher(address).replaceFirst("");
        return bare.endsWith("/") ? bare.substring(0, bare.length() - 1) : bare;
    }

    /** Gives back the punctuation that ends the sentence, closes emphasis or closes a parenthesis around the url. */
    private static int trimUrl(String s, int start, int end) {
        int unbalanced = 0;
        for (int i = start; i < end; i++) {
            unbalanced += s.charAt(i) == ')' ? 1 : s.charAt(i) == '(' ? -1 : 0;
        }
        while (end > start) {
            char last = s.charAt(end - 1);
            if (URL_TRAILING.indexOf(last) >= 0) {
                end--;
            } else if (last == ')' && unbalanced > 0) {
                end--;
                unbalanced--;
            } else {
                break;
            }
        }
        return end;
    }

    /**
     * CommonMark's flanking rules, with {@code *} held to the stricter rule Markdown has for {@code _}: a run between
     * two letters or digits neither opens nor closes, so arithmetic and snake_case stay as written.
     */
    private static Run delimiterRun(String s, int start, int length, int index) {
        int end = start + length;
        int before = start == 0 ? ' ' : s.codePointBefore(start);
        int after = end == s.length() ? ' ' : s.codePointAt(end);
        boolean spaceBefore = isWhitespace(before);
        boolean spaceAfter = isWhitespace(after);
        boolean punctuationBefore = isPunctuation(before);
        boolean punctuationAfter = isPunctuation(after);
        boolean leftFlanking = !spaceAfter && (!punctuationAfter || spaceBefore || punctuationBefore);
        boolean rightFlanking = !spaceBefore && (!punctuationBefore || spaceAfter || punctuationAfter);
        boolean canOpen = leftFlanking && (!rightFlanking || punctuationBefore);
        boolean canClose = rightFlanking && (!leftFlanking || punctuationAfter);
        return new Run(s.charAt(start), length, canOpen, canClose, index);
    }

    /**
     * CommonMark's "process emphasis": each closer, left to right, takes the nearest opener of its kind; two
     * characters on each side make bold, one makes italic. Runs between a matched pair can no longer match.
     * {@code bottom} remembers, per kind of closer, below which index no opener was found, so a line full of
     * unmatched closers stays linear.
     */
    private static void matchEmphasis(List<Run> runs, String bold) {
        for (int k = 0; k < runs.size(); k++) {
            runs.get(k).previous = k == 0 ? null : runs.get(k - 1);
            runs.get(k).next = k + 1 == runs.size() ? null : runs.get(k + 1);
        }
        int[] bottom = new int[3 * 3 * 2];
        Arrays.fill(bottom, -1);
        for (Run closer : runs) {
            if (!closer.canClose) {
                continue;
            }
            while (closer.remaining > 0) {
                int kind = (closer.marker == '*' ? 0 : closer.marker == '_' ? 1 : 2) * 6
                        + closer.length % 3 * 2 + (closer.canOpen ? 1 : 0);
                Run opener = closer.previous;
                while (opener != null && opener.index > bottom[kind] && !pairs(opener, closer)) {
                    opener = opener.previous;
                }
                if (opener == null || opener.index <= bottom[kind]) {
                    bottom[kind] = closer.index - 1;
                    if (!closer.canOpen) {
                        unlink(closer);
                    }
                    break;
                }
                int used = closer.marker == '~' ? 2 : Math.min(2, Math.min(opener.remaining, closer.remaining));
                String mark = closer.marker == '~' ? STRIKE : used == 2 ? bold : ITALIC;
                opener.opens = mark + opener.opens;
                opener.remaining -= used;
                closer.closes = closer.closes + mark;
                closer.remaining -= used;
                opener.next = closer;
                closer.previous = opener;
                if (opener.remaining == 0) {
                    unlink(opener);
                }
            }
            if (closer.remaining == 0) {
                unlink(closer);
            }
        }
    }

    private static boolean pairs(Run opener, Run closer) {
        if (opener.marker != closer.marker || !opener.canOpen || opener.remaining == 0) {
            return false;
        }
        // CommonMark's rule of three: keeps *a**b* from pairing the * with half of the **.
        boolean eitherBoth = opener.canClose || closer.canOpen;
        int sum = opener.length + closer.length;
        return !(eitherBoth && sum % 3 == 0 && !(opener.length % 3 == 0 && closer.length % 3 == 0));
    }

    private static void unlink(Run run) {
        if (run.previous != null) {
            run.previous.next = run.next;
        }
        if (run.next != null) {
            run.next.previous = run.previous;
        }
    }

    private static boolean isAsciiPunctuation(char c) {
        return c < 128 && "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~".indexOf(c) >= 0;
    }

    private static boolean isWhitespace(int cp) {
        return Character.isWhitespace(cp) || Character.isSpaceChar(cp);
    }

    /** Unicode punctuation and symbols (so emoji count), as CommonMark defines punctuation. */
    private static boolean isPunctuation(int cp) {
        return switch (Character.getType(cp)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION, Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL,
                 Character.MODIFIER_SYMBOL, Character.OTHER_SYMBOL -> true;
            default -> false;
        };
    }
}
