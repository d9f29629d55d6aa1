package io.atende.bench;

import java.util.List;
import java.util.Locale;

/** Minimal SVG line and bar charts for the report (no dependency). */
final class Svg {

    record Series(String name, double[] x, double[] y) {
    }

    private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"};
    private static final int W = 760, H = 380, L = 70, R = 20, T = 40, B = 50;

    private Svg() {
    }

    static String lines(String title, String xLabel, String yLabel, List<Series> series) {
        double xmin = Double.MAX_VALUE, xmax = -Double.MAX_VALUE, ymax = 0;
        for (Series s : series) {
            for (double v : s.x) {
                xmin = Math.min(xmin, v);
                xmax = Math.max(xmax, v);
            }
            for (double v : s.y) {
                ymax = Math.max(ymax, v);
            }
        }
        if (xmin == Double.MAX_VALUE) {
            xmin = 0;
            xmax = 1;
        }
        if (xmax <= xmin) {
            xmax = xmin + 1;
        }
        ymax = ymax <= 0 ? 1 : ymax * 1.05;
        StringBuilder sb = frame(title, xLabel, yLabel, xmin, xmax, 0, ymax);
        int i = 0;
        for (Series s : series) {
            StringBuilder pts = new StringBuilder();
            for (int k = 0; k < s.x.length; k++) {
                pts.append(fmt(px(s.x[k], xmin, xmax))).append(',').append(fmt(py(s.y[k], 0, ymax))).append(' ');
            }
            String c = COLORS[i % COLORS.length];
            sb.append("<polyline fill=\"none\" stroke=\"").append(c).append("\" stroke-width=\"1.8\" points=\"")
                    .append(pts).append("\"/>\n");
            legend(sb, i, s.name, c);
            i++;
        }
        return sb.append("</svg>\n").toString();
    }

    static String bars(String title, String yLabel, List<String> categories, List<Series> series) {
        double ymax = 0;
        for (Series s : series) {
            for (double v : s.y) {
                if (!Double.isNaN(v)) {
                    ymax = Math.max(ymax, v);
                }
            }
        }
        ymax = ymax <= 0 ? 1 : ymax * 1.1;
        StringBuilder sb = frame(title, "", yLabel, Double.NaN, Double.NaN, 0, ymax);
        double slot = (double) (W - L - R) / Math.max(1, categories.size());
        double bw = slot * 0.8 / Math.max(1, series.size());
        for (int c = 0; c < categories.size(); c++) {
            double x0 = L + c * slot + slot * 0.1;
            for (int s = 0; s < series.size(); s++) {
                double v = series.get(s).y[c];
                if (Double.isNaN(v)) {
                    continue;
                }
                double y = py(v, 0, ymax);
                sb.append(String.format(Locale.ROOT,
                        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>\n",
                        x0 + s * bw, y, bw - 1, H - B - y, COLORS[s % COLORS.length]));
            }
            sb.append(String.format(Locale.ROOT,
                    "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%s</text>\n",
                    L + c * slot + slot / 2, H - B + 16, esc(categories.get(c))));
        }
        for (int s = 0; s < series.size(); s++) {
            legend(sb, s, series.get(s).name, COLORS[s % COLORS.length]);
        }
        return sb.append("</svg>\n").toString();
    }

    private static StringBuilder frame(String title, String xLabel, String yLabel, double xmin, double xmax,
                                       double ymin, double ymax) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "font-family=\"sans-serif\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n", W, H));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"22\" font-size=\"15\" font-weight=\"bold\">%s</text>\n",
                L, esc(title)));
        sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n",
                L, H - B, W - R, H - B));
        sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n",
                L, T, L, H - B));
        for (int k = 0; k <= 5; k++) {
            double v = ymin + (ymax - ymin) * k / 5;
            double y = py(v, ymin, ymax);
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%s</text>\n",
                    L, y, W - R, y, L - 5, y + 4, num(v)));
            if (!Double.isNaN(xmin)) {
                double xv = xmin + (xmax - xmin) * k / 5;
                sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%s</text>\n",
                        px(xv, xmin, xmax), H - B + 16, num(xv)));
            }
        }
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\">%s</text>\n",
                (L + W - R) / 2, H - 10, esc(xLabel)));
        sb.append(String.format(Locale.ROOT, "<text x=\"15\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\" "
                + "transform=\"rotate(-90 15 %d)\">%s</text>\n", (T + H - B) / 2, (T + H - B) / 2, esc(yLabel)));
        return sb;
    }

    private static void legend(StringBuilder sb, int i, String name, String color) {
        int y = T + 8 + i * 16;
        sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"4\" fill=\"%s\"/>"
                + "<text x=\"%d\" y=\"%d\" font-size=\"11\">%s</text>\n", W - R - 230, y, color, W - R - 212, y + 5, esc(name)));
    }

    private static double px(double x, double xmin, double xmax) {
        return L + (x - xmin) / (xmax - xmin) * (W - L - R);
    }

    private static double py(double y, double ymin, double ymax) {
        return H - B - (y - ymin) / (ymax - ymin) * (H - B - T);
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static String num(double v) {
        if (Math.abs(v) >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        return String.format(Locale.ROOT, Math.abs(v) >= 10 ? "%.1f" : "%.2f", v);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
