package dev.extfarm.protocol;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import java.io.IOException;

/**
 * A field that carries a JSON document as text: written as it is ({@code @JsonRawValue}), read
 * back as the compact text of whatever value stands there. The registry hands out a recipe
 * revision's transport JSON exactly as it was pushed; the worker reads it with the recipe parser.
 */
public final class RawJson extends JsonDeserializer<String> {

    @Override
    public String deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
        return p.readValueAsTree().toString();
    }
}
