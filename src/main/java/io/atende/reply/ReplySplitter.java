package io.atende.reply;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cuts an LLM reply into WhatsApp messages of at most {@code maxChars} chars (UTF-16 units, {@link String#length()},
 * which never undercounts what WhatsApp sees).
 * <p>
 * The reply is taken apart only as far as needed: paragraphs; a paragraph too long for one message into lines; a line
 * into sentences; a sentence into words; a word into hard cuts. The pieces are then packed greedily in order, each
 * joined to the previous one by the whitespace that separated them (one blank line between paragraphs), so a reader
 * sees whole paragraphs wherever they fit. Only whitespace is ever lost, and only at the cuts.
 */
public final class ReplySplitter {

    /** WhatsApp's limit for one text message. */
    public static final int WHATSAPP_MAX_CHARS = 4096;

    private static final String PARAGRAPH_JOIN = "\n\n";
    private static final String LINE_JOIN = "\n";
    // A blank line: two line breaks with only horizontal whitespace between (no backtracking over long runs).
    private static final Pattern PARAGRAPH_BREAK = Pattern.compile("\n[^\\S\n]*\n");
    // After . ! ? when whitespace follows (so 3.5 and e.g. "R$1.000,00" stay whole); after … always.
    private static final Pattern SENTENCE_END = Pattern.compile("(?<=[.!?])\\s+|(?<=…)\\s*");
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");

    private enum Level { PARAGRAPH, LINE, SENTENCE, WORD, HARD }

    private record Piece(String separator, String text) { }

    private final int maxChars;

    /** @param maxChars longest message; at least 2 so that an emoji (a surrogate pair) always fits */
    public ReplySplitter(int maxChars) {
        if (maxChars < 2) {
            throw new IllegalArgumentException("maxChars must be at least 2: " + maxChars);
        }
        this.maxChars = maxChars;
    }

    public int maxChars() {
        return maxChars;
    }

    /** @return the messages to send in order, each trimmed, non-blank and at most {@code maxChars} long */
    public List<String> split(String text) {
        if (text == null) {
            return List.of();
        }
        // LLMs and copy-paste produce \r\n; one kind of line break keeps the patterns simple.
        String normalized = text.replace("\r\n", "\n").replace('\r', '\n').strip();
        if (normalized.isEmpty()) {
            return List.of();
        }
        if (normalized.length() <= maxChars) {
            return List.of(normalized);
        }
        List<Piece> pieces = new ArrayList<>();
        decompose(normalized, Level.PARAGRAPH, "", pieces);
        return pack(pieces);
    }

    /** Adds {@code segment} as one piece if it fits, else its parts at {@code level} (or finer), in order. */
    private void decompose(String segment, Level level, String separator, List<Piece> out) {
        if (segment.length() <= maxChars) {
            out.add(new Piece(separator, segment));
            return;
        }
        if (level == Level.HARD) {
            hardCut(segment, separator, out);
            return;
        }
        Level finer = Level.values()[level.ordinal() + 1];
        List<Piece> parts = splitAt(segment, level);
        if (parts.size() <= 1) {
            decompose(segment, finer, separator, out);
            return;
        }
        for (int i = 0; i < parts.size(); i++) {
            Piece part = parts.get(i);
            decompose(part.text(), finer, i == 0 ? separator : part.separator(), out);
        }
    }

    /** Splits at this level's boundaries; each part carries the separator that precedes it. Blank parts vanish. */
    private static List<Piece> splitAt(String segment, Level level) {
        List<Piece> parts = new ArrayList<>();
        if (level == Level.LINE) {
            for (String line : segment.split("\n")) {
                addPart(parts, LINE_JOIN, line);
            }
            return parts;
        }
        Pattern pattern = switch (level) {
            case PARAGRAPH -> PARAGRAPH_BREAK;
            case SENTENCE -> SENTENCE_END;
            default -> WHITESPACE;
        };
        Matcher m = pattern.matcher(segment);
        int from = 0;
        String separator = "";
        while (m.find()) {
            addPart(parts, separator, segment.substring(from, m.start()));
            separator = level == Level.PARAGRAPH ? PARAGRAPH_JOIN : m.group();
            from = m.end();
        }
        addPart(parts, separator, segment.substring(from));
        return parts;
    }

    private static void addPart(List<Piece> parts, String separator, String text) {
        String stripped = text.strip();
        if (!stripped.isEmpty()) {
            parts.add(new Piece(separator, stripped));
        }
    }

    /** Fixed-size cuts for text with no whitespace at all (a URL, a run of emoji), never inside a surrogate pair. */
    private void hardCut(String segment, String separator, List<Piece> out) {
        int start = 0;
        while (start < segment.length()) {
            int end = Math.min(segment.length(), start + maxChars);
            if (end < segment.length() && Character.isHighSurrogate(segment.charAt(end - 1))
                    && Character.isLowSurrogate(segment.charAt(end))) {
                end--;
            }
            out.add(new Piece(start == 0 ? separator : "", segment.substring(start, end)));
            start = end;
        }
    }

    private List<String> pack(List<Piece> pieces) {
        List<String> messages = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (Piece piece : pieces) {
            if (current.isEmpty()) {
                current.append(piece.text());
            } else if (current.length() + piece.separator().length() + piece.text().length() <= maxChars) {
                current.append(piece.separator()).append(piece.text());
            } else {
                flush(current, messages);
                current.append(piece.text());
            }
        }
        flush(current, messages);
        return List.copyOf(messages);
    }

    private static void flush(StringBuilder current, List<String> messages) {
        String message = current.toString().strip();
        if (!message.isEmpty()) {
            messages.add(message);
        }
        current.setLength(0);
    }
}
