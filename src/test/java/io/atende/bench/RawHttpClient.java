package io.atende.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A minimal HTTP/1.1 client for the benchmark's load: one keep-alive connection per calling thread, the request
 * written in one go, the response read by its Content-Length (or chunks). It exists because the JDK HttpClient
 * cost the driver about 0.7 ms of CPU per webhook (measured during the ingest flood), on the same 2 cores as the
 * gateway it measures; this one costs little more than its two system calls.
 */
final class RawHttpClient {

    record Response(int status, String body) {
    }

    private final String host;
    private final int port;
    private final String path;
    private final ThreadLocal<Connection> connections = new ThreadLocal<>();

    RawHttpClient(URI uri) {
        this.host = uri.getHost();
        this.port = uri.getPort();
        this.path = uri.getRawPath();
    }

    /** POSTs a JSON body with a Bearer token; a failed connection is dropped (the next call opens a new one). */
    Response postJson(String token, String json, int timeoutMillis) throws IOException {
        Connection c = connections.get();
        if (c == null) {
            c = new Connection(host, port, timeoutMillis);
            connections.set(c);
        }
        try {
            Response r = c.exchange(request(token, json.getBytes(StandardCharsets.UTF_8)));
            if (c.closeAfter) {
                c.close();
                connections.remove();
            }
            return r;
        } catch (IOException | RuntimeException e) {
            c.close();
            connections.remove();
            throw e;
        }
    }

    private byte[] request(String token, byte[] body) {
        String head = "POST " + path + " HTTP/1.1\r\nHost: " + host + ":" + port
                + "\r\nContent-Type: application/json\r\nAuthorization: Bearer " + token
                + "\r\nContent-Length: " + body.length + "\r\n\r\n";
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[h.length + body.length];
        System.arraycopy(h, 0, all, 0, h.length);
        System.arraycopy(body, 0, all, h.length, body.length);
        return all;
    }

    private static final class Connection {
        final Socket socket;
        final OutputStream out;
        final InputStream in;
        boolean closeAfter;

        Connection(String host, int port, int timeoutMillis) throws IOException {
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(host, port), 5000);
            socket.setSoTimeout(timeoutMillis);
            out = socket.getOutputStream();
            in = new BufferedInputStream(socket.getInputStream(), 8192);
        }

        Response exchange(byte[] request) throws IOException {
            out.write(request);
            out.flush();
            String status = line();
            if (!status.startsWith("HTTP/1.")) {
                throw new IOException("not an HTTP response: " + status);
            }
            int code = Integer.parseInt(status.substring(9, 12));
            int length = -1;
            boolean chunked = false;
            closeAfter = status.startsWith("HTTP/1.0");
            for (String h = line(); !h.isEmpty(); h = line()) {
                String lower = h.toLowerCase(Locale.ROOT);
                if (lower.startsWith("content-length:")) {
                    length = Integer.parseInt(lower.substring(15).trim());
                } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                    chunked = true;
                } else if (lower.startsWith("connection:")) {
                    closeAfter = lower.contains("close");
                }
            }
            byte[] body;
            if (chunked) {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                for (int n = Integer.parseInt(line().split(";")[0].trim(), 16); n > 0;
                     n = Integer.parseInt(line().split(";")[0].trim(), 16)) {
                    b.write(in.readNBytes(n));
                    line();
                }
                for (String t = line(); !t.isEmpty(); t = line()) {
                    // trailers
                }
                body = b.toByteArray();
            } else if (length >= 0) {
                body = in.readNBytes(length);
                if (body.length < length) {
                    throw new IOException("connection closed inside the body");
                }
            } else {
                closeAfter = true;
                body = in.readAllBytes();
            }
            return new Response(code, new String(body, StandardCharsets.UTF_8));
        }

        private String line() throws IOException {
            StringBuilder sb = new StringBuilder(64);
            for (int b = in.read(); ; b = in.read()) {
                if (b < 0) {
                    throw new IOException("connection closed");
                }
                if (b == '\n') {
                    int n = sb.length();
                    return n > 0 && sb.charAt(n - 1) == '\r' ? sb.substring(0, n - 1) : sb.toString();
                }
                sb.append((char) b);
            }
        }

        void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // dropped anyway
            }
        }
    }
}
