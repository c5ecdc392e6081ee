package dev.extfarm.registry.http;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * On a JAX-RS method that enforces a body-size limit of its own, with its own problem (say, the
 * bundle upload's 413 {@code bundle-too-large}): the configuration property holding that limit in
 * bytes. {@link BodyIntake} then receives at most one byte more than the limit and lets the method
 * refuse what is over it ({@link BodyIntake.Overflow#ENDPOINT}); the method must check a
 * {@code Content-Length} header over the limit before reading, since such a body is not read at all.
 * Methods without it take at most {@code extfarm.http.max-document-size}.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface OwnBodyLimit {

    /** The configuration property (bytes), e.g. {@code extfarm.bundle.max-size}. */
    String value();
}
