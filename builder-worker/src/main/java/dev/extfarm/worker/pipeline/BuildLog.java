package dev.extfarm.worker.pipeline;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The job's log as it is produced: every line goes to the sink (a file, the registry), the last
 * lines are kept for classification and the report, and step markers time the steps.
 */
public final class BuildLog implements Consumer<String> {

    static final String MARKER = "##[extfarm] step ";
    private static final int TAIL = 200;

    private final Consumer<String> sink;
    private final Deque<String> tail = new ArrayDeque<>();
    private final Map<Step, Long> started = new EnumMap<>(Step.class);
    private final Map<Step, Long> millis = new EnumMap<>(Step.class);
    private Step current;

    public BuildLog(Consumer<String> sink) {
        this.sink = sink;
    }

    @Override
    public synchronized void accept(String line) {
        if (line.startsWith(MARKER)) {
            try {
                enter(Step.fromId(line.substring(MARKER.length()).strip()));
            } catch (IllegalArgumentException ignored) {
                // a build's own output imitating our marker: just a log line
            }
        }
        sink.accept(line);
        tail.addLast(line);
        if (tail.size() > TAIL) {
            tail.removeFirst();
        }
    }

    /** Marks the start of a step run by the worker itself (not in a container). */
    public synchronized void enter(Step step) {
        long now = System.nanoTime();
        if (current != null && started.containsKey(current)) {
            millis.merge(current, (now - started.get(current)) / 1_000_000, Long::sum);
        }
        current = step;
        started.put(step, now);
    }

    public synchronized void close() {
        if (current != null) {
            millis.merge(current, (System.nanoTime() - started.get(current)) / 1_000_000, Long::sum);
            current = null;
        }
    }

    public synchronized Step current() {
        return current;
    }

    public synchronized List<String> tail() {
        return new ArrayList<>(tail);
    }

    /** Milliseconds per step, in step order. */
    public synchronized Map<Step, Long> timings() {
        return new EnumMap<>(millis);
    }
}
