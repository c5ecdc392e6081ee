package dev.extfarm.worker.farm;

import java.sql.Connection;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Do the registry's database and its blob store agree? Read from the outside (JDBC and the S3
 * API), not through the registry: every bundle row has its object with the recorded size, every
 * bundle object has its row, and what is left of cut-off uploads (objects under {@code _uploads/},
 * unfinished multipart uploads) is counted. Leftovers are never served (they are not at a bundle
 * key) and the registry's periodic cleanup removes them after {@code extfarm.blob.temp-max-age}.
 */
record StoreConsistency(int rows, int objects, List<String> rowsWithoutObject, List<String> objectsWithoutRow,
                        List<String> sizeMismatches, int leftoverTemporaries, int unfinishedMultipartUploads) {

    private static final Pattern BUNDLE_KEY = Pattern.compile("extensions/([^/]+)/sha-256\\+([0-9a-f]{64})/bundle\\.tar");

    boolean agrees() {
        return rowsWithoutObject.isEmpty() && objectsWithoutRow.isEmpty() && sizeMismatches.isEmpty();
    }

    static StoreConsistency check(Connection db, S3Client s3) throws Exception {
        Map<String, Long> rowSize = new HashMap<>();
        try (ResultSet rs = db.createStatement().executeQuery("SELECT extension_name, sha256, size FROM bundle")) {
            while (rs.next()) {
                rowSize.put("extensions/" + rs.getString(1) + "/sha-256+" + rs.getString(2) + "/bundle.tar", rs.getLong(3));
            }
        }
        Map<String, Long> objectSize = new HashMap<>();
        int temporaries = 0;
        for (S3Object o : s3.listObjectsV2Paginator(r -> r.bucket(S3Process.BUCKET)).contents()) {
            Matcher m = BUNDLE_KEY.matcher(o.key());
            if (m.matches()) {
                objectSize.put(o.key(), o.size());
            } else if (o.key().startsWith("_uploads/")) {
                temporaries++;
            }
        }
        int multipart = s3.listMultipartUploads(r -> r.bucket(S3Process.BUCKET)).uploads().size();
        List<String> noObject = new ArrayList<>();
        List<String> sizes = new ArrayList<>();
        rowSize.forEach((key, size) -> {
            Long actual = objectSize.get(key);
            if (actual == null) {
                noObject.add(key);
            } else if (actual.longValue() != size) {
                sizes.add(key + ": row " + size + " bytes, object " + actual);
            }
        });
        List<String> noRow = objectSize.keySet().stream().filter(k -> !rowSize.containsKey(k)).sorted().toList();
        return new StoreConsistency(rowSize.size(), objectSize.size(), noObject, noRow, sizes, temporaries, multipart);
    }
}
