package dev.extfarm.protocol;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The problem document (RFC 9457, {@code application/problem+json}) the registry answers an error
 * with (docs/api.md): {@code type} is {@code /problems/<code>}, {@code detail} says what to do, and
 * extension members (e.g. {@code rule}, {@code retry_after}) follow the standard ones, in the order
 * the registry puts them. The registry writes it; the fetcher, the cli and the worker read it with
 * {@link #read}, which never throws: a body that is not a problem document is empty, a member of the
 * wrong type is absent.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"type", "title", "status", "detail", "instance"})
public record Problem(String type, String title, int status, String detail, String instance,
                      @JsonIgnore Map<String, Object> extra) {

    public static final String MEDIA_TYPE = "application/problem+json";

    /** The longest detail {@link #message} repeats; a longer one is cut (a hostile server can send megabytes). */
    public static final int MAX_MESSAGE = 2000;

    private static final Set<String> STANDARD = Set.of("type", "title", "status", "detail", "instance");
    private static final ObjectMapper JSON = Wire.mapper();

    public Problem {
        extra = extra == null || extra.isEmpty() ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(extra));
    }

    /** The extension members, written after the standard ones. */
    @JsonAnyGetter
    public Map<String, Object> members() {
        return extra;
    }

    /** The type's last path segment, e.g. {@code link-expired} for {@code /problems/link-expired}; empty if none. */
    @JsonIgnore
    public String code() {
        String t = type == null ? "" : type;
        return t.substring(t.lastIndexOf('/') + 1);
    }

    /**
     * One line for a person: {@code <code>: <detail>} (the title when there is no detail), control
     * characters (line breaks included) as spaces, cut at {@link #MAX_MESSAGE} characters.
     */
    @JsonIgnore
    public String message() {
        String text = detail != null ? detail : title != null ? title : "";
        String code = code();
        return (code.isEmpty() ? "" : code + ": ") + oneLine(text);
    }

    private static String oneLine(String text) {
        String cut = text.length() > MAX_MESSAGE ? text.substring(0, MAX_MESSAGE) + "…" : text;
        StringBuilder b = new StringBuilder(cut.length());
        cut.codePoints().forEach(c -> b.appendCodePoint(Character.isISOControl(c) ? ' ' : c));
        return b.toString();
    }

    /** The body as a problem document; empty when it is not one. */
    public static Optional<Problem> read(String body) {
        if (body == null || body.isBlank()) {
            return Optional.empty();
        }
        try {
            return of(JSON.readTree(body));
        } catch (IOException | RuntimeException notJson) {
            return Optional.empty();
        }
    }

    /** The body as a problem document; empty when it is not one. */
    public static Optional<Problem> read(byte[] body) {
        if (body == null || body.length == 0) {
            return Optional.empty();
        }
        try {
            return of(JSON.readTree(body));
        } catch (IOException | RuntimeException notJson) {
            return Optional.empty();
        }
    }

    /**
     * A JSON object with a text {@code type}, {@code title} or {@code detail} is a problem document
     * (anything else, e.g. an OCI error envelope {@code {"errors":[…]}}, is not); a standard member
     * of the wrong type is left out, a status that is no int is 0.
     */
    public static Optional<Problem> of(JsonNode n) {
        if (n == null || !n.isObject() || !(n.path("type").isTextual() || n.path("title").isTextual()
                || n.path("detail").isTextual())) {
            return Optional.empty();
        }
        Map<String, Object> extra = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> member = it.next();
            if (!STANDARD.contains(member.getKey())) {
                extra.put(member.getKey(), JSON.convertValue(member.getValue(), Object.class));
            }
        }
        JsonNode status = n.path("status");
        return Optional.of(new Problem(text(n, "type"), text(n, "title"), status.canConvertToInt() && status.isIntegralNumber()
                ? status.intValue() : 0, text(n, "detail"), text(n, "instance"), extra));
    }

    private static String text(JsonNode n, String name) {
        JsonNode v = n.get(name);
        return v != null && v.isTextual() ? v.textValue() : null;
    }
}
