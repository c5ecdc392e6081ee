package dev.extfarm.worker.pipeline;

/** Lets tests in other packages wait for CI's background image build (see {@link TestImages}). */
public final class TestImagesAccess {

    private TestImagesAccess() {
    }

    public static void await(String target) throws Exception {
        TestImages.resolve(target);
    }
}
