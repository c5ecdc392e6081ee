package dev.extfarm.protocol;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * The JSON settings every document of this module is written and read with, for the programs
 * that have no Quarkus mapper (the fetcher, the cli, test fixtures): timestamps as ISO-8601
 * text, unknown fields ignored (a newer peer may add fields; it may never rename one).
 */
public final class Wire {

    private Wire() {
    }

    /** A new mapper with the protocol's settings (the caller may add its own). */
    public static ObjectMapper mapper() {
        return new ObjectMapper().registerModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }
}
