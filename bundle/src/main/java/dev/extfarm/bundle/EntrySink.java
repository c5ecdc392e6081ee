package dev.extfarm.bundle;

import java.io.IOException;
import java.io.OutputStream;

/** Where the reader puts entries: nowhere (verify) or a staging directory (unpack). */
interface EntrySink {

    void directory(String path) throws IOException;

    OutputStream file(String path, boolean executable) throws IOException;

    void symlink(String path, String target) throws IOException;

    EntrySink NONE = new EntrySink() {
        @Override
        public void directory(String path) {
        }

        @Override
        public OutputStream file(String path, boolean executable) {
            return OutputStream.nullOutputStream();
        }

        @Override
        public void symlink(String path, String target) {
        }
    };
}
