package dev.extfarm.recipe.egress;

import java.io.IOException;

/** The {@link EgressPolicy} refused a URL or an address; nothing was sent to it. */
public final class EgressRefusedException extends IOException {

    private final EgressRule rule;

    public EgressRefusedException(EgressRule rule, String message) {
        super(message);
        this.rule = rule;
    }

    public EgressRule rule() {
        return rule;
    }
}
