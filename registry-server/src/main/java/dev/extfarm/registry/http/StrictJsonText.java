package dev.extfarm.registry.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.KeyDeserializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.deser.std.StringDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import dev.extfarm.registry.problem.InvalidText;
import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;
import java.io.IOException;

/**
 * Every text a JSON request body carries into the API (string values and map keys) is refused with
 * 400 {@code /problems/invalid-text} when it holds a NUL (U+0000: PostgreSQL cannot store it in a
 * text column, so it failed late, as a 500) or half of a surrogate pair (escaped as
 * {@code \ud800}: no UTF-8 for it exists). Other control characters pass: a failure message may
 * carry a compiler's colour codes; XML output cleans them ({@code feed.AtomWriter}).
 */
@Singleton
public class StrictJsonText implements ObjectMapperCustomizer {

    @Override
    public void customize(ObjectMapper mapper) {
        SimpleModule module = new SimpleModule("extfarm-strict-text");
        module.addDeserializer(String.class, new Text());
        module.addKeyDeserializer(String.class, new Key());
        mapper.registerModule(module);
    }

    /** Why a text cannot be stored, or null when it can. */
    public static String problem(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == 0) {
                return "holds a NUL character (U+0000) at position " + i + "; no text of this API may hold one";
            }
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return "holds half of a UTF-16 surrogate pair (\\u" + Integer.toHexString(c) + ") at position " + i
                        + ", which is no character; escape a character outside the BMP as both halves, or send it as UTF-8";
            }
        }
        return null;
    }

    static String check(JsonParser p, String text, String what) throws InvalidText {
        String problem = text == null ? null : problem(text);
        if (problem != null) {
            throw new InvalidText(p, what + " " + problem, text);
        }
        return text;
    }

    private static String where(JsonParser p) {
        String name = p.getParsingContext() == null ? null : p.getParsingContext().getCurrentName();
        return name == null ? "a text" : "the text of '" + name + "'";
    }

    static final class Text extends StdScalarDeserializer<String> {
        Text() {
            super(String.class);
        }

        @Override
        public String deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            return check(p, StringDeserializer.instance.deserialize(p, ctxt), where(p));
        }
    }

    static final class Key extends KeyDeserializer {
        @Override
        public Object deserializeKey(String key, DeserializationContext ctxt) throws IOException {
            return check(ctxt.getParser(), key, "a field name");
        }
    }
}
