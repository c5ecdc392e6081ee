package dev.extfarm.registry.http;

import dev.extfarm.registry.problem.ExtfarmException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpServerRequest;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Receives one request body on its event loop: the bytes go to memory, past {@code memoryMax} to a
 * temporary file (written by Vert.x' file I/O, with back-pressure on the request), and the result
 * completes when the body has ended. Nothing blocks while the client is slow; a body that sends
 * nothing for {@code idleTimeout} fails with 408. All methods run on the request's event loop.
 */
final class BodyReception {

    private final Vertx vertx;
    private final HttpServerRequest request;
    private final long limit;
    private final boolean refuseOverflow;
    private final long idleNanos;
    private final int memoryMax;
    private final Path spoolDir;
    private final Promise<SpooledBody> result = Promise.promise();
    private Buffer memory = Buffer.buffer();
    private AsyncFile file;
    private Path path;
    private long size;
    private long lastData;
    private boolean waitingForDisk;
    private long timer = -1;
    private boolean done;
    private boolean released;
    private Future<Void> closed;

    /**
     * @param limit          the most bytes the body may have
     * @param refuseOverflow true: more is a 413; false: the first {@code limit + 1} bytes are kept and
     *                       the endpoint, which knows its limit, refuses them itself
     */
    BodyReception(Vertx vertx, HttpServerRequest request, long limit, boolean refuseOverflow, long idleMillis,
                  int memoryMax, Path spoolDir) {
        this.vertx = vertx;
        this.request = request;
        this.limit = limit;
        this.refuseOverflow = refuseOverflow;
        this.idleNanos = TimeUnit.MILLISECONDS.toNanos(idleMillis);
        this.memoryMax = memoryMax;
        this.spoolDir = spoolDir;
    }

    Future<SpooledBody> start() {
        lastData = System.nanoTime();
        request.handler(this::data);
        request.endHandler(v -> end());
        request.exceptionHandler(this::broken);
        armTimer(idleNanos);
        if ("100-continue".equalsIgnoreCase(request.getHeader("Expect"))) {
            request.response().writeContinue();
        }
        request.resume();
        return result.future();
    }

    private void data(Buffer b) {
        if (done) {
            return;
        }
        lastData = System.nanoTime();
        if (size + b.length() > limit) {
            if (refuseOverflow) {
                fail(BodyIntake.tooLarge(limit));
                return;
            }
            // one byte over the limit is enough for the endpoint to see it and refuse with its own problem
            append(b.getBuffer(0, (int) (limit + 1 - size)));
            request.pause();
            end();
            return;
        }
        append(b);
    }

    private void append(Buffer b) {
        size += b.length();
        if (file == null && size <= memoryMax) {
            memory.appendBuffer(b);
            return;
        }
        if (file == null) {
            path = spoolDir.resolve("body-" + UUID.randomUUID() + ".tmp");
            try {
                // open(2) on the event loop, as the bundle edge does; the writes go through Vert.x' file I/O threads
                file = vertx.fileSystem().openBlocking(path.toString(), new OpenOptions().setWrite(true).setCreateNew(true));
            } catch (RuntimeException e) {
                diskFailed(e);
                return;
            }
            file.exceptionHandler(this::diskFailed);
            file.write(memory);
            memory = null;
        }
        file.write(b);
        if (file.writeQueueFull() && !waitingForDisk) {
            waitingForDisk = true;
            request.pause();
            file.drainHandler(v -> {
                waitingForDisk = false;
                lastData = System.nanoTime(); // the disk, not the client, was slow
                if (!done) {
                    request.resume();
                }
            });
        }
    }

    private void end() {
        if (done) {
            return;
        }
        done = true;
        cancelTimer();
        if (file == null) {
            result.tryComplete(SpooledBody.inMemory(memory.getBytes()));
            memory = null;
            return;
        }
        closeFile().onComplete(ar -> {
            if (ar.succeeded()) {
                if (!result.tryComplete(SpooledBody.inFile(path, size))) {
                    deleteFile();
                }
            } else {
                diskFailed(ar.cause());
            }
        });
    }

    private void broken(Throwable t) {
        fail(new ExtfarmException(ExtfarmException.Kind.INVALID, "body-broken-off", "Request body broken off",
                "the connection broke before the request body ended (" + t.getMessage() + "); nothing was done, send it again"));
    }

    private void diskFailed(Throwable t) {
        fail(new ExtfarmException(ExtfarmException.Kind.UNAVAILABLE, "spool-failed", "Cannot receive the body",
                "the registry could not keep the request body in its spool directory (" + t.getMessage()
                        + "); nothing was done, try again later"));
    }

    private void fail(ExtfarmException e) {
        if (result.future().isComplete()) {
            return;
        }
        done = true;
        cancelTimer();
        request.pause();
        result.tryFail(e);
        release();
    }

    /** Frees what the body holds (its file), once the request is over or the reception failed. */
    void release() {
        if (released) {
            return;
        }
        if (!done) {
            done = true;
            cancelTimer();
        }
        released = true;
        memory = null;
        if (file != null) {
            closeFile().onComplete(ar -> deleteFile());
        }
    }

    /** Closes the file once (pending writes first); the same future for every caller. */
    private Future<Void> closeFile() {
        if (closed == null) {
            closed = file.close();
        }
        return closed;
    }

    private void deleteFile() {
        vertx.fileSystem().delete(path.toString());
    }

    private void armTimer(long nanos) {
        timer = vertx.setTimer(Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos)), id -> idleCheck());
    }

    private void cancelTimer() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
            timer = -1;
        }
    }

    private void idleCheck() {
        timer = -1;
        if (done) {
            return;
        }
        long idle = System.nanoTime() - lastData;
        if (waitingForDisk || idle < idleNanos) {
            armTimer(waitingForDisk ? idleNanos : idleNanos - idle);
            return;
        }
        fail(BodyIntake.idle(idleNanos, size));
    }
}
