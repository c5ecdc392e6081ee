package dev.extfarm.registry.webui;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.extfarm.registry.builds.QueueJanitor;
import dev.extfarm.registry.support.Api;
import dev.extfarm.registry.webhook.Signature;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** Atom feeds and webhooks: a maintainer hears of a failure without watching the page; nothing private leaks. */
@QuarkusTest
@TestProfile(LoopbackWebhooks.class)
class NotificationsTest {

    static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    QueueJanitor janitor;

    @BeforeEach
    void emptyQueue() {
        janitor.cancelEverythingLive();
    }

    @Test
    void atomFeedsListFinishedBuildsNewestFirstWithTheirCause() throws Exception {
        Seed seed = new Seed(Seed.unique("w"));
        String name = Seed.unique("feed");
        Map<Integer, Long> ids = seed.push(name, "1.2.3", List.of(15, 17), "f");
        seed.succeed(seed.claim(ids.get(15)));
        seed.fail(seed.claim(ids.get(17)), "patch", "patch-rejected", "recipe", 1, "hunk #2 FAILED at 40 <of> & \"quotes\"");

        String xml = given().get("/feeds/extensions/" + name + ".atom").then().statusCode(200)
                .contentType(containsString("application/atom+xml")).extract().asString();
        Document d = parse(xml);
        assertThat(d.getDocumentElement().getNamespaceURI()).isEqualTo("http://www.w3.org/2005/Atom");
        List<Element> entries = entries(d);
        assertThat(entries).hasSize(2);
        assertThat(text(entries.get(0), "title")).isEqualTo(name + " 1.2.3 · PostgreSQL 17 · failed: patch-rejected at patch");
        assertThat(text(entries.get(0), "summary")).contains("hunk #2 FAILED at 40 <of> & \"quotes\"").contains("responsibility: recipe");
        assertThat(text(entries.get(0), "id")).endsWith("/api/v1/builds/" + ids.get(17));
        assertThat(link(entries.get(0), "alternate")).endsWith("/#/builds/" + ids.get(17));
        assertThat(text(entries.get(1), "title")).isEqualTo(name + " 1.2.3 · PostgreSQL 15 · succeeded");
        assertThat(text(entries.get(1), "summary")).contains("extensions/" + name + "/sha-256+");

        Document failures = parse(given().queryParam("status", "failed").get("/feeds/extensions/" + name + ".atom").then()
                .statusCode(200).extract().asString());
        assertThat(entries(failures)).hasSize(1);
        assertThat(given().get("/feeds/builds.atom").then().statusCode(200).extract().asString()).contains(name + " 1.2.3 · PostgreSQL 17");
        given().get("/feeds/extensions/" + Seed.unique("nope") + ".atom").then().statusCode(404).contentType("application/problem+json");
        given().get("/feeds/extensions/" + name + ".rss").then().statusCode(404);
        given().queryParam("status", "queued").get("/feeds/builds.atom").then().statusCode(400);
    }

    @Test
    void aPrivateExtensionsFeedExistsOnlyForThoseWhoMaySeeIt() {
        String tenant = Api.tenant("feed");
        Seed seed = new Seed(Seed.unique("w"), Api.token("maintainer", tenant));
        String name = Seed.unique("hush");
        Map<Integer, Long> ids = seed.push(name, "1.0", List.of(15), "p");
        seed.fail(seed.claim(ids.get(15)), "build", "compile-error", "upstream", 2, "error: private detail");

        given().get("/feeds/extensions/" + name + ".atom").then().statusCode(404);
        given().get("/feeds/builds.atom").then().statusCode(200).body(not(containsString(name)));
        Api.as(Api.token("maintainer", null)).get("/feeds/extensions/" + name + ".atom").then().statusCode(404);
        Api.as(seed.maintainer).get("/feeds/extensions/" + name + ".atom").then().statusCode(200)
                .header("Cache-Control", containsString("private")).body(containsString("private detail"));
        Api.as(Api.ADMIN).get("/feeds/builds.atom").then().statusCode(200).body(containsString(name));
    }

    @Test
    void webhooksAreSignedCarryTheCauseAndAreRetriedUntilDelivered() throws Exception {
        Seed seed = new Seed(Seed.unique("w"));
        String name = Seed.unique("hook");
        Map<Integer, Long> ids = seed.push(name, "0.9", List.of(15, 17, 18), "h");
        try (Receiver receiver = new Receiver(500)) {
            JsonNode created = JSON.readTree(Api.as(seed.maintainer).contentType(ContentType.JSON)
                    .body(Map.of("url", receiver.url("/hooks/extfarm").toString(), "events", List.of("failed")))
                    .post("/api/v1/extensions/" + name + "/webhooks").then().statusCode(201)
                    .header("Location", containsString("/webhooks/")).extract().asString());
            String secret = created.path("secret").asText();
            long hook = created.path("id").asLong();
            assertThat(secret).startsWith("whsec_").hasSizeGreaterThan(40);
            assertThat(created.path("events").toString()).isEqualTo("[\"failed\"]");

            seed.succeed(seed.claim(ids.get(15)));  // not subscribed: no delivery
            seed.fail(seed.claim(ids.get(17)), "build-deps", "missing-build-dependency", "recipe", 100, "no package libfoo-dev");

            Receiver.Request first = receiver.next(15);
            Receiver.Request second = receiver.next(15);   // the first answer was 500: retried
            assertThat(second.body()).isEqualTo(first.body());
            assertThat(second.header("X-Extfarm-Delivery")).isEqualTo(first.header("X-Extfarm-Delivery"));
            for (Receiver.Request r : List.of(first, second)) {
                assertThat(r.path()).isEqualTo("/hooks/extfarm");
                assertThat(r.header("X-Extfarm-Event")).isEqualTo("build.failed");
                assertThat(r.header("Content-Type")).isEqualTo("application/json");
                long ts = Long.parseLong(r.header(Signature.TIMESTAMP));
                assertThat(ts).isBetween(Instant.now().getEpochSecond() - 60, Instant.now().getEpochSecond() + 5);
                assertThat(r.header(Signature.HEADER)).isEqualTo(hmac(secret, ts, r.body()));
                assertThat(r.header(Signature.HEADER)).isNotEqualTo(hmac("whsec_wrong-secret-000000", ts, r.body()));
            }
            JsonNode p = JSON.readTree(first.body());
            assertThat(p.path("event").asText()).isEqualTo("build.failed");
            assertThat(p.path("build").path("id").asLong()).isEqualTo(ids.get(17));
            assertThat(p.path("build").path("extension").asText()).isEqualTo(name);
            assertThat(p.path("build").path("pg_major").asInt()).isEqualTo(17);
            assertThat(p.path("build").path("failure").path("cause").asText()).isEqualTo("missing-build-dependency");
            assertThat(p.path("build").path("failure").path("step").asText()).isEqualTo("build-deps");
            assertThat(p.path("links").path("build").asText()).endsWith("/api/v1/builds/" + ids.get(17));
            assertThat(p.path("links").path("log").asText()).endsWith("/api/v1/builds/" + ids.get(17) + "/log");
            assertThat(p.path("links").path("page").asText()).endsWith("/#/builds/" + ids.get(17));
            assertThat(receiver.poll(1500)).as("no delivery for the succeeded build, none after delivery").isNull();

            Api.as(seed.maintainer).get("/api/v1/extensions/" + name + "/webhooks/" + hook + "/deliveries").then().statusCode(200)
                    .body("deliveries.size()", equalTo(1)).body("deliveries[0].state", equalTo("delivered"))
                    .body("deliveries[0].attempts", equalTo(2)).body("deliveries[0].last_status", equalTo(204))
                    .body("deliveries[0].build_id", equalTo(ids.get(17).intValue()));
            Api.as(seed.maintainer).get("/api/v1/extensions/" + name + "/webhooks").then().statusCode(200)
                    .body("webhooks.size()", equalTo(1)).body("webhooks[0].secret", org.hamcrest.Matchers.nullValue())
                    .body("webhooks[0].last_delivery.state", equalTo("delivered"));

            // a ping, on request
            Api.as(seed.maintainer).post("/api/v1/extensions/" + name + "/webhooks/" + hook + "/ping").then().statusCode(202);
            Receiver.Request ping = receiver.next(15);
            assertThat(ping.header("X-Extfarm-Event")).isEqualTo("ping");
            assertThat(ping.header(Signature.HEADER)).isEqualTo(hmac(secret, Long.parseLong(ping.header(Signature.TIMESTAMP)), ping.body()));

            Api.as(seed.maintainer).delete("/api/v1/extensions/" + name + "/webhooks/" + hook).then().statusCode(204);
            seed.fail(seed.claim(ids.get(18)), "build", "compile-error", "upstream", 2, "error: x");
            assertThat(receiver.poll(2500)).as("a deleted webhook hears nothing").isNull();
        }
    }

    @Test
    void aReceiverThatNeverAnswersWellIsGivenUpAfterTheLastAttempt() throws Exception {
        Seed seed = new Seed(Seed.unique("w"));
        String name = Seed.unique("down");
        Map<Integer, Long> ids = seed.push(name, "1.0", List.of(15), "d");
        try (Receiver receiver = new Receiver(503, 503, 503, 503, 503, 503, 503, 503, 503)) {
            long hook = Api.as(seed.maintainer).contentType(ContentType.JSON).body(Map.of("url", receiver.url("/x").toString()))
                    .post("/api/v1/extensions/" + name + "/webhooks").then().statusCode(201).extract().<Number>path("id").longValue();
            seed.fail(seed.claim(ids.get(15)), "build", "compile-error", "upstream", 2, "error: x");
            for (int i = 0; i < 3; i++) {
                receiver.next(15);
            }
            long deadline = System.currentTimeMillis() + 15_000;
            String state;
            do {
                Thread.sleep(300);
                state = Api.as(seed.maintainer).get("/api/v1/extensions/" + name + "/webhooks/" + hook + "/deliveries")
                        .then().extract().path("deliveries[0].state");
            } while (!"given-up".equals(state) && System.currentTimeMillis() < deadline);
            assertThat(state).isEqualTo("given-up");
            Api.as(seed.maintainer).get("/api/v1/extensions/" + name + "/webhooks/" + hook + "/deliveries").then()
                    .body("deliveries[0].attempts", equalTo(3)).body("deliveries[0].last_status", equalTo(503))
                    .body("deliveries[0].last_error", containsString("given up after 3 attempts"));
        }
    }

    @Test
    void onlyOwnersAndAdminsManageWebhooksAndPrivateExtensionsStayInvisible() {
        Seed seed = new Seed(Seed.unique("w"));
        String name = Seed.unique("own");
        seed.push(name, "1.0", List.of(15), "o");
        Map<String, String> body = Map.of("url", "https://ci.example.com/hooks/x");
        given().contentType(ContentType.JSON).body(body).post("/api/v1/extensions/" + name + "/webhooks").then().statusCode(401);
        Api.as(Api.token("maintainer", null)).contentType(ContentType.JSON).body(body).post("/api/v1/extensions/" + name + "/webhooks")
                .then().statusCode(403).contentType("application/problem+json").body("detail", containsString("own"));
        Api.as(seed.worker).contentType(ContentType.JSON).body(body).post("/api/v1/extensions/" + name + "/webhooks").then().statusCode(403);
        Api.as(Api.ADMIN).contentType(ContentType.JSON).body(body).post("/api/v1/extensions/" + name + "/webhooks").then().statusCode(201);
        Api.as(seed.maintainer).contentType(ContentType.JSON).body(Map.of("url", "file:///etc/passwd"))
                .post("/api/v1/extensions/" + name + "/webhooks").then().statusCode(400).body("detail", containsString("http(s)"));
        Api.as(seed.maintainer).contentType(ContentType.JSON).body(Map.of("url", "https://x.example", "events", List.of("queued")))
                .post("/api/v1/extensions/" + name + "/webhooks").then().statusCode(400);
        Api.as(seed.maintainer).get("/api/v1/extensions/" + name + "/webhooks").then().statusCode(200).body("webhooks.size()", equalTo(1));

        String tenant = Api.tenant("own");
        Seed priv = new Seed(Seed.unique("w"), Api.token("maintainer", tenant));
        String secret = Seed.unique("own");
        priv.push(secret, "1.0", List.of(15), "p");
        Api.as(seed.maintainer).contentType(ContentType.JSON).body(body).post("/api/v1/extensions/" + secret + "/webhooks")
                .then().statusCode(404);
        Api.as(priv.maintainer).contentType(ContentType.JSON).body(body).post("/api/v1/extensions/" + secret + "/webhooks")
                .then().statusCode(201);
    }

    static String hmac(String secret, long ts, String body) {
        return Signature.sign(secret, ts, body);
    }

    static Document parse(String xml) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    }

    static List<Element> entries(Document d) {
        NodeList nl = d.getElementsByTagNameNS("http://www.w3.org/2005/Atom", "entry");
        List<Element> out = new ArrayList<>();
        for (int i = 0; i < nl.getLength(); i++) {
            out.add((Element) nl.item(i));
        }
        return out;
    }

    static String text(Element e, String child) {
        return e.getElementsByTagNameNS("http://www.w3.org/2005/Atom", child).item(0).getTextContent();
    }

    static String link(Element e, String rel) {
        NodeList nl = e.getElementsByTagNameNS("http://www.w3.org/2005/Atom", "link");
        for (int i = 0; i < nl.getLength(); i++) {
            Element l = (Element) nl.item(i);
            if (rel.equals(l.getAttribute("rel"))) {
                return l.getAttribute("href");
            }
        }
        return null;
    }
}
