package dev.extfarm.bundle;

/**
 * A bundle broke one of the format's rules. The message has the form
 * {@code <rule-id>: <entry>: <what is wrong and what to do>}.
 */
public class BundleRejectedException extends Exception {

    private final RejectionRule rule;
    private final String entry;
    private final String detail;

    public BundleRejectedException(RejectionRule rule, String entry, String detail) {
        super(rule.id() + ": " + (entry == null || entry.isEmpty() ? "-" : entry) + ": " + detail);
        this.rule = rule;
        this.entry = entry;
        this.detail = detail;
    }

    public RejectionRule rule() {
        return rule;
    }

    /** The tar entry the rule is about; {@code -} or empty when it is about the whole archive. */
    public String entry() {
        return entry;
    }

    public String detail() {
        return detail;
    }
}
