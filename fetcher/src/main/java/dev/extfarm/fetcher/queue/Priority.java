package dev.extfarm.fetcher.queue;

/** Install order: lower first. Only {@link #BACKGROUND} is bandwidth-limited and paused for urgent work. */
public enum Priority {
    /** An on-demand request ({@code CREATE EXTENSION}, {@code LOAD}) is waiting. */
    URGENT,
    /** Phase 2: PostgreSQL cannot start without it. */
    SHARED_PRELOAD,
    /** Phase 3: session/local preload libraries and extensions already created. */
    PRELOAD,
    /** Phase 4: everything else. */
    BACKGROUND;

    public String id() {
        return name().toLowerCase().replace('_', '-');
    }
}
