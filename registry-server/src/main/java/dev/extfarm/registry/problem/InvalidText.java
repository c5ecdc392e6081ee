package dev.extfarm.registry.problem;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;

/**
 * A text of a JSON request body the API refuses (a NUL, half a surrogate pair): thrown while the
 * body is read ({@code http.StrictJsonText}), answered 400 {@code invalid-text} ({@link ProblemMapper}).
 */
public final class InvalidText extends InvalidFormatException {

    public InvalidText(JsonParser p, String message, String value) {
        super(p, message, value, String.class);
    }
}
