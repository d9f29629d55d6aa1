package io.atende.profile;

import java.text.Normalizer;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Words or phrases a customer types to steer the bot ("atendente", "parar", "voltar"), matched the way people type
 * them on a phone: ignoring case, accents, punctuation and emoji, and a trailing "por favor".
 */
public final class Keywords {

    private static final Pattern MARKS = Pattern.compile("\\p{M}+");
    private static final Pattern NOT_A_WORD = Pattern.compile("[^\\p{L}\\p{N}]+");
    private static final String PLEASE = "por favor";

    private final List<String> words;

    private Keywords(List<String> words) {
        this.words = words;
    }

    /** The keywords, each normalised; blank ones are dropped. */
    public static Keywords of(List<String> keywords) {
        return new Keywords(keywords == null ? List.of() : keywords.stream().filter(Objects::nonNull)
                .map(Keywords::normalise).filter(k -> !k.isEmpty()).distinct().toList());
    }

    /**
     * Lower case, without accents, with every run of punctuation, emoji or spaces as one space, trimmed, and without a
     * trailing "por favor": {@code "Parar, por favor! 🙏"} is {@code "parar"}.
     */
    public static String normalise(String text) {
        String s = NOT_A_WORD.matcher(fold(text)).replaceAll(" ").strip();
        while (s.endsWith(PLEASE) && (s.length() == PLEASE.length() || s.charAt(s.length() - PLEASE.length() - 1) == ' ')) {
            s = s.substring(0, s.length() - PLEASE.length()).strip();
        }
        return s;
    }

    /** Lower case, without accents and surrounding spaces; punctuation kept ({@code "#Bót "} is {@code "#bot"}). */
    public static String fold(String text) {
        if (text == null) {
            return "";
        }
        return MARKS.matcher(Normalizer.normalize(text, Normalizer.Form.NFD)).replaceAll("").toLowerCase(Locale.ROOT)
                .strip();
    }

    /** The whole message, normalised, is one of the keywords ("Parar." opts out; "quero parar de fumar" does not). */
    public boolean isExactly(String text) {
        return !words.isEmpty() && isExactlyNormalised(normalise(text));
    }

    /** As {@link #isExactly}, for a text {@link #normalise normalised} already (one message, several lists). */
    public boolean isExactlyNormalised(String normalised) {
        return words.contains(normalised);
    }

    /** One of the keywords appears in the message as a whole word or phrase ("falar com um atendente, por favor"). */
    public boolean mentions(String text) {
        return !words.isEmpty() && mentionsNormalised(normalise(text));
    }

    /** As {@link #mentions}, for a text {@link #normalise normalised} already. */
    public boolean mentionsNormalised(String normalised) {
        if (words.isEmpty()) {
            return false;
        }
        String padded = " " + normalised + " ";
        for (String w : words) {
            if (padded.contains(" " + w + " ")) {
                return true;
            }
        }
        return false;
    }

    public boolean isEmpty() {
        return words.isEmpty();
    }

    /** The normalised keywords. */
    public List<String> words() {
        return words;
    }

    @Override
    public String toString() {
        return "Keywords" + words;
    }
}
