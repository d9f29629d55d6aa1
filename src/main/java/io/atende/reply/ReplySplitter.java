package io.atende.reply;

import io.atende.profile.EffectiveProfile;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cuts a long answer into the WhatsApp messages it is sent as, where a person would have cut it. Lengths are UTF-16
 * units ({@link String#length()}, which never undercounts what WhatsApp sees; an emoji counts 2 or more).
 * <ul>
 * <li>Line breaks are normalised ({@code \r\n} and {@code \r} to {@code \n}) and the answer trimmed. One of at most
 * {@code maxChars} is one message.</li>
 * <li>A longer one is taken apart into paragraphs (at blank lines), and a paragraph longer than {@code maxChars} into
 * sentences. A sentence ends at a line break (list items) and after {@code . ! ?} or {@code …}, possibly followed by
 * closing quotes, brackets or emphasis markers, when whitespace follows, so {@code 3.5}, {@code R$ 1.000,00} and
 * {@code exemplo.com.br} never end one. Not a sentence end either: the dot after a few abbreviations that come before
 * a name or a number ({@code ABBREVIATIONS}: {@code Sr. Silva}, {@code Dra. Ana}, {@code Av. Paulista},
 * {@code Tel. 1234}), after a single capital letter (an initial: {@code João A. Souza}) and after a list number
 * at the start of a line ({@code 1. Abra o app}). Other abbreviations ({@code etc.}, {@code Ltda.}) followed by a
 * space may end a part; the cut is still between two words. Emoji after a sentence's punctuation belong to it:
 * {@code Claro! 😊 Nosso horário…} ends after the 😊.</li>
 * <li>The pieces are packed greedily in order: each message holds as many whole pieces as fit in {@code maxChars},
 * paragraphs one blank line apart, sentences with the whitespace that separated them. A sentence longer than
 * {@code maxChars} is a message of its own, whole.</li>
 * <li>Nothing is ever cut inside an emphasis span ({@code *bold*}, {@code _italic_}, {@code ~strike~} opened and
 * closed within one paragraph) or a {@code ```} block (whose blank lines do not end its paragraph), and only ever at
 * whitespace, so never inside a word or a web address.</li>
 * <li>At most {@code maxParts} messages: whatever remains after the first {@code maxParts - 1} is joined into the
 * last one, however long.</li>
 * </ul>
 * The one exception to all of this is WhatsApp's own limit, {@value #WHATSAPP_MAX_CHARS}: a message that would be
 * longer is cut anyway. The joined remainder is then split again with the same rules at that limit (so there are
 * more than {@code maxParts} messages), and a single sentence longer than it is cut at the last whitespace that fits,
 * outside emphasis if possible, or, without any whitespace, after {@value #WHATSAPP_MAX_CHARS} chars (never inside
 * an emoji, a surrogate pair or an accent's combining mark).
 * <p>
 * Only whitespace is ever lost, and only at the cuts. Immutable and thread-safe.
 */
public final class ReplySplitter {

    /** WhatsApp's limit for one text message. */
    public static final int WHATSAPP_MAX_CHARS = 4096;

    /**
     * Abbreviations (lower case, without their dot) that come before a name, an address or a number, so that their dot
     * ends no sentence. Kept short on purpose: one that can end a sentence ({@code etc.}) must not be here.
     */
    static final Set<String> ABBREVIATIONS = Set.of("sr", "sra", "srta", "srs", "sras", "dr", "dra", "drs", "dras",
            "prof", "profa", "profs", "exmo", "exma", "mr", "mrs", "ms", "av", "tel", "cel", "pág", "págs", "art",
            "nº", "núm", "cap", "vol");

    private static final String PARAGRAPH_JOIN = "\n\n";
    // A blank line: two line breaks with only horizontal whitespace between (no backtracking over long runs).
    private static final Pattern PARAGRAPH_BREAK = Pattern.compile("\n[^\\S\n]*\n");
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");
    private static final Pattern WEB_ADDRESS = Pattern.compile("(?i:https?://|www\\.)[^\\s<>]+");
    // Left out of a web address at its end, as WhatsApp does: sentence punctuation, emphasis closing around it.
    private static final String URL_TRAILING = ".,:;!?*_~'\"";
    private static final String CODE_FENCE = "```";
    private static final String SENTENCE_END = ".!?…";
    // What may stand between a sentence's last punctuation and the whitespace after it: quotes, brackets, emphasis.
    private static final String CLOSERS = "\"')]}»”’*_~";
    private static final String EMPHASIS = "*_~";
    // How far a cut without whitespace may move back to keep an emoji sequence or a combining mark whole.
    private static final int GRAPHEME_BACKOFF = 32;
    private static final int ZERO_WIDTH_JOINER = 0x200D;

    /** A sentence or paragraph, {@code [start, end)} of the normalised answer, trimmed. */
    private record Piece(int start, int end, boolean startsParagraph) {
    }

    /** A paragraph, {@code [start, end)}, trimmed. */
    private record Span(int start, int end) {
    }

    private final int maxChars;
    private final int maxParts;

    /**
     * @param maxChars an answer longer than this is split (at least 1; above {@value #WHATSAPP_MAX_CHARS} acts as it)
     * @param maxParts at most this many messages, unless WhatsApp's limit forces more (at least 1)
     */
    public ReplySplitter(int maxChars, int maxParts) {
        if (maxChars < 1) {
            throw new IllegalArgumentException("split.maxChars must be at least 1: " + maxChars);
        }
        if (maxParts < 1) {
            throw new IllegalArgumentException("split.maxParts must be at least 1: " + maxParts);
        }
        this.maxChars = maxChars;
        this.maxParts = maxParts;
    }

    /** A number's split, from its profile (or the environment's {@code ATENDE_SPLIT_*}). */
    public static ReplySplitter of(EffectiveProfile.Split split) {
        return new ReplySplitter(split.maxChars(), split.maxParts());
    }

    public int maxChars() {
        return maxChars;
    }

    public int maxParts() {
        return maxParts;
    }

    /** @return the messages to send in order, each trimmed and non-blank; empty for a blank or null answer */
    public List<String> split(String text) {
        if (text == null) {
            return List.of();
        }
        // LLMs and copy-paste produce \r\n; one kind of line break keeps the patterns simple.
        String s = text.replace("\r\n", "\n").replace('\r', '\n').strip();
        if (s.isEmpty()) {
            return List.of();
        }
        int limit = Math.min(maxChars, WHATSAPP_MAX_CHARS);
        if (s.length() <= limit) {
            return List.of(s);
        }
        BitSet guarded = new BitSet(s.length());
        guardCodeBlocks(s, guarded);
        List<Span> paragraphs = paragraphs(s, guarded);
        guardEmphasis(s, paragraphs, guarded);

        List<List<Piece>> parts = pack(s, pieces(s, paragraphs, 0, s.length(), limit, guarded), limit);
        if (parts.size() > maxParts) {
            List<Piece> rest = new ArrayList<>();
            parts.subList(maxParts - 1, parts.size()).forEach(rest::addAll);
            parts = new ArrayList<>(parts.subList(0, maxParts - 1));
            if (length(s, rest) <= WHATSAPP_MAX_CHARS) {
                parts.add(rest);
            } else {
                int from = rest.get(0).start();
                int to = rest.get(rest.size() - 1).end();
                parts.addAll(pack(s, pieces(s, paragraphs, from, to, WHATSAPP_MAX_CHARS, guarded),
                        WHATSAPP_MAX_CHARS));
            }
        }
        List<String> messages = new ArrayList<>(parts.size());
        for (List<Piece> part : parts) {
            messages.add(join(s, part));
        }
        return List.copyOf(messages);
    }

    // ------------------------------------------------------------------------------------------- what may be cut

    /** Marks each closed {@code ```} block: its blank lines and sentence ends are not boundaries. */
    private static void guardCodeBlocks(String s, BitSet guarded) {
        int open = s.indexOf(CODE_FENCE);
        while (open >= 0) {
            int close = s.indexOf(CODE_FENCE, open + CODE_FENCE.length());
            if (close < 0) {
                return; // an unclosed fence shows as text
            }
            guarded.set(open, close + CODE_FENCE.length());
            open = s.indexOf(CODE_FENCE, close + CODE_FENCE.length());
        }
    }

    /** The paragraphs, at blank lines outside code blocks. */
    private static List<Span> paragraphs(String s, BitSet guarded) {
        List<Span> out = new ArrayList<>();
        Matcher m = PARAGRAPH_BREAK.matcher(s);
        int from = 0;
        while (m.find()) {
            if (!guarded.get(m.start())) {
                addTrimmed(s, from, m.start(), out);
                from = m.end();
            }
        }
        addTrimmed(s, from, s.length(), out);
        return out;
    }

    private static void addTrimmed(String s, int start, int end, List<Span> out) {
        while (start < end && Character.isWhitespace(s.charAt(start))) {
            start++;
        }
        while (end > start && Character.isWhitespace(s.charAt(end - 1))) {
            end--;
        }
        if (start < end) {
            out.add(new Span(start, end));
        }
    }

    /**
     * Marks each emphasis span of each paragraph, WhatsApp's way: the marker opens where no letter or digit precedes
     * it and no whitespace follows, and closes where no whitespace precedes it and no letter or digit follows. Markers
     * inside code blocks and web addresses ({@code https://x.com/a_b_c}) are text. A scan, not a regex: a repeated
     * group would recurse once per character of a long span.
     */
    private static void guardEmphasis(String s, List<Span> paragraphs, BitSet guarded) {
        BitSet literal = (BitSet) guarded.clone();
        Matcher url = WEB_ADDRESS.matcher(s);
        while (url.find()) {
            int end = url.end();
            while (end > url.start() && URL_TRAILING.indexOf(s.charAt(end - 1)) >= 0) {
                end--;
            }
            literal.set(url.start(), end);
        }
        for (Span p : paragraphs) {
            // Once a marker has no closer left in the paragraph, no later opener of it has one either.
            BitSet noCloser = new BitSet(EMPHASIS.length());
            int i = p.start();
            while (i < p.end()) {
                int kind = EMPHASIS.indexOf(s.charAt(i));
                int close = -1;
                if (kind >= 0 && !noCloser.get(kind) && !literal.get(i) && opens(s, i, p.end())) {
                    close = closer(s, i, p.end(), literal);
                    if (close < 0) {
                        noCloser.set(kind);
                    }
                }
                if (close >= 0) {
                    guarded.set(i, close + 1);
                    i = close + 1;
                } else {
                    i++;
                }
            }
        }
    }

    private static boolean opens(String s, int i, int end) {
        char marker = s.charAt(i);
        return (i == 0 || !Character.isLetterOrDigit(s.charAt(i - 1)))
                && i + 1 < end && !Character.isWhitespace(s.charAt(i + 1)) && s.charAt(i + 1) != marker;
    }

    private static int closer(String s, int open, int end, BitSet literal) {
        char marker = s.charAt(open);
        for (int j = s.indexOf(marker, open + 2); j >= 0 && j < end; j = s.indexOf(marker, j + 1)) {
            if (!literal.get(j) && !Character.isWhitespace(s.charAt(j - 1))
                    && (j + 1 >= s.length() || !Character.isLetterOrDigit(s.charAt(j + 1)))) {
                return j;
            }
        }
        return -1;
    }

    // ------------------------------------------------------------------------------------------------- pieces

    /**
     * The pieces of {@code [from, to)} (which starts and ends at piece boundaries): each paragraph that fits in
     * {@code limit} whole, the others as sentences; a sentence longer than WhatsApp's limit cut to fit it.
     */
    private static List<Piece> pieces(String s, List<Span> paragraphs, int from, int to, int limit, BitSet guarded) {
        List<Piece> out = new ArrayList<>();
        for (Span p : paragraphs) {
            int start = Math.max(p.start(), from);
            int end = Math.min(p.end(), to);
            if (start >= end) {
                continue;
            }
            boolean startsParagraph = !out.isEmpty();
            if (end - start <= limit) {
                out.add(new Piece(start, end, startsParagraph));
                continue;
            }
            Matcher ws = WHITESPACE.matcher(s).region(start, end);
            int sentence = start;
            while (ws.find()) {
                if (!guarded.get(ws.start()) && endsSentence(s, p, ws.start(), ws.end())) {
                    addSentence(s, sentence, ws.start(), startsParagraph, guarded, out);
                    startsParagraph = false;
                    sentence = ws.end();
                }
            }
            addSentence(s, sentence, end, startsParagraph, guarded, out);
        }
        return out;
    }

    /**
     * Whether the whitespace {@code [ws, wsEnd)} inside the paragraph {@code p} ends a sentence. Emoji after a
     * sentence go with it ("Claro! 😊 Nosso…" ends after the 😊), so a sentence never starts with them.
     */
    private static boolean endsSentence(String s, Span p, int ws, int wsEnd) {
        if (s.substring(ws, wsEnd).indexOf('\n') >= 0) {
            return true;
        }
        if (emojiOnly(s, wsEnd, tokenEnd(s, wsEnd, p.end()))) {
            return false;
        }
        int end = ws;
        int start = tokenStart(s, end, p.start());
        while (emojiOnly(s, start, end) && start > p.start() && isBlank(s.charAt(start - 1))) {
            end = start;
            while (end > p.start() && isBlank(s.charAt(end - 1))) {
                end--;
            }
            start = tokenStart(s, end, p.start());
        }
        return endsWithSentencePunctuation(s, p, start, end);
    }

    /** Whether the word {@code [start, end)} ends a sentence (see the class comment). */
    private static boolean endsWithSentencePunctuation(String s, Span p, int start, int end) {
        int i = end;
        while (i > start && (CLOSERS.indexOf(s.charAt(i - 1)) >= 0 || emoji(s.codePointBefore(i)))) {
            i -= Character.charCount(s.codePointBefore(i));
        }
        if (i == start || SENTENCE_END.indexOf(s.charAt(i - 1)) < 0) {
            return false;
        }
        int dot = i - 1;
        if (s.charAt(dot) != '.') {
            return true;
        }
        int word = dot;
        while (word > start && Character.isLetter(s.charAt(word - 1))) {
            word--;
        }
        if (word < dot) {
            String w = s.substring(word, dot);
            boolean initial = w.length() == 1 && Character.isUpperCase(w.charAt(0));
            return !initial && !ABBREVIATIONS.contains(w.toLowerCase(Locale.ROOT));
        }
        int number = dot;
        while (number > start && Character.isDigit(s.charAt(number - 1))) {
            number--;
        }
        if (number == dot || number > start) {
            return true;
        }
        int indent = number;
        while (indent > p.start() && isBlank(s.charAt(indent - 1))) {
            indent--;
        }
        boolean listNumber = indent == p.start() || s.charAt(indent - 1) == '\n';
        return !listNumber;
    }

    private static int tokenStart(String s, int end, int limit) {
        int start = end;
        while (start > limit && !Character.isWhitespace(s.charAt(start - 1))) {
            start--;
        }
        return start;
    }

    private static int tokenEnd(String s, int start, int limit) {
        int end = start;
        while (end < limit && !Character.isWhitespace(s.charAt(end))) {
            end++;
        }
        return end;
    }

    /** Horizontal whitespace. */
    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t';
    }

    private static boolean emojiOnly(String s, int start, int end) {
        if (start >= end) {
            return false;
        }
        for (int i = start; i < end; i += Character.charCount(s.codePointAt(i))) {
            if (!emoji(s.codePointAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** Emoji and the symbols, flags, skin tones and joiners they are written with. */
    private static boolean emoji(int cp) {
        return Character.getType(cp) == Character.OTHER_SYMBOL || joinsPrevious(cp);
    }

    /** A sentence as one piece, or, beyond WhatsApp's limit, in cuts that fit it. */
    private static void addSentence(String s, int start, int end, boolean startsParagraph, BitSet guarded,
                                    List<Piece> out) {
        while (end - start > WHATSAPP_MAX_CHARS) {
            int cut = lastWhitespace(s, start, guarded, true);
            if (cut < 0) {
                cut = lastWhitespace(s, start, guarded, false);
            }
            int pieceEnd;
            int next;
            if (cut >= 0) {
                pieceEnd = cut;
                while (Character.isWhitespace(s.charAt(pieceEnd - 1))) {
                    pieceEnd--;
                }
                next = cut;
                while (Character.isWhitespace(s.charAt(next))) {
                    next++;
                }
            } else {
                pieceEnd = hardCut(s, start + WHATSAPP_MAX_CHARS);
                next = pieceEnd;
            }
            out.add(new Piece(start, pieceEnd, startsParagraph));
            startsParagraph = false;
            start = next;
        }
        out.add(new Piece(start, end, startsParagraph));
    }

    /** The last whitespace at which a cut leaves at most WhatsApp's limit before it; -1 when none. */
    private static int lastWhitespace(String s, int start, BitSet guarded, boolean outsideEmphasis) {
        for (int i = start + WHATSAPP_MAX_CHARS; i > start; i--) {
            if (Character.isWhitespace(s.charAt(i)) && !(outsideEmphasis && guarded.get(i))) {
                return i;
            }
        }
        return -1;
    }

    /** {@code at}, or a little before it, so that no emoji sequence, surrogate pair or combining mark is cut. */
    private static int hardCut(String s, int at) {
        for (int i = at; i > at - GRAPHEME_BACKOFF && i > 0; i--) {
            if (cuttable(s, i, true)) {
                return i;
            }
        }
        return cuttable(s, at, false) ? at : at - 1;
    }

    private static boolean cuttable(String s, int i, boolean keepSequences) {
        if (Character.isLowSurrogate(s.charAt(i)) && Character.isHighSurrogate(s.charAt(i - 1))) {
            return false;
        }
        return !keepSequences || !(joinsPrevious(s.codePointAt(i)) || s.codePointBefore(i) == ZERO_WIDTH_JOINER);
    }

    /** Combining marks, variation selectors, skin tones, emoji tags and the joiner belong to what precedes them. */
    private static boolean joinsPrevious(int cp) {
        int type = Character.getType(cp);
        return type == Character.NON_SPACING_MARK || type == Character.ENCLOSING_MARK
                || type == Character.COMBINING_SPACING_MARK || cp == ZERO_WIDTH_JOINER
                || (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0x1F3FB && cp <= 0x1F3FF)
                || (cp >= 0xE0020 && cp <= 0xE007F);
    }

    // -------------------------------------------------------------------------------------------------- packing

    /** Greedy, in order: each part as many whole pieces as fit in {@code limit}; a longer piece alone. */
    private static List<List<Piece>> pack(String s, List<Piece> pieces, int limit) {
        List<List<Piece>> parts = new ArrayList<>();
        List<Piece> current = new ArrayList<>();
        int length = 0;
        for (Piece piece : pieces) {
            int pieceLength = piece.end() - piece.start();
            if (current.isEmpty()) {
                current.add(piece);
                length = pieceLength;
                continue;
            }
            int joined = length + separator(s, current.get(current.size() - 1), piece).length() + pieceLength;
            if (joined <= limit) {
                current.add(piece);
                length = joined;
            } else {
                parts.add(current);
                current = new ArrayList<>(List.of(piece));
                length = pieceLength;
            }
        }
        if (!current.isEmpty()) {
            parts.add(current);
        }
        return parts;
    }

    /** One blank line between paragraphs; between sentences the whitespace that was there. */
    private static String separator(String s, Piece previous, Piece next) {
        return next.startsParagraph() ? PARAGRAPH_JOIN : s.substring(previous.end(), next.start());
    }

    private static int length(String s, List<Piece> part) {
        return join(s, part).length();
    }

    private static String join(String s, List<Piece> part) {
        StringBuilder b = new StringBuilder();
        Piece previous = null;
        for (Piece piece : part) {
            if (previous != null) {
                b.append(separator(s, previous, piece));
            }
            b.append(s, piece.start(), piece.end());
            previous = piece;
        }
        return b.toString();
    }
}
