package dev.extfarm.fetcher.spec;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** Reads the message out of a registry error body (problem+json), or its first line of text. */
public final class Problems {

    private Problems() {
    }

    public static String detail(byte[] body) {
        if (body == null || body.length == 0) {
            return "(empty body)";
        }
        try {
            JsonNode n = SpecReader.json().readTree(body);
            if (n != null && n.isObject()) {
                String code = n.path("type").asText("");
                String detail = n.path("detail").asText(n.path("message").asText(n.path("title").asText("")));
                int slash = code.lastIndexOf('/');
                return (slash >= 0 && slash < code.length() - 1 ? code.substring(slash + 1) + ": " : "") + detail;
            }
        } catch (IOException ignored) {
            // not JSON: fall through to text
        }
        String text = new String(body, 0, Math.min(body.length, 300), StandardCharsets.UTF_8);
        return text.lines().findFirst().orElse("").strip();
    }

    /** The problem type's last segment, e.g. {@code link-expired}; empty if none. */
    public static String code(byte[] body) {
        try {
            JsonNode n = SpecReader.json().readTree(body);
            String type = n == null ? "" : n.path("type").asText("");
            return type.substring(type.lastIndexOf('/') + 1);
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
