package dev.extfarm.registry.feed;

import java.io.OutputStream;
import java.net.URI;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.List;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

/**
 * Writes an Atom 1.0 feed (RFC 4287) of build results. Every text is escaped by the XML writer and
 * first cleaned of what XML 1.0 cannot carry at all, escaped or not ({@link #xmlText}): a worker's
 * failure message may hold a terminal's ESC sequences, and one such byte made the whole feed
 * malformed.
 */
final class AtomWriter {

    private static final String ATOM = "http://www.w3.org/2005/Atom";

    private AtomWriter() {
    }

    /**
     * @param base    the registry's base URL, ending in "/"
     * @param self    this feed's path, e.g. "feeds/builds.atom"
     * @param alt     the UI page the feed mirrors, e.g. "#/builds"
     */
    static void write(OutputStream out, URI base, String self, String title, String alt, List<FeedEntry> entries)
            throws XMLStreamException {
        XMLStreamWriter x = XMLOutputFactory.newFactory().createXMLStreamWriter(out, "UTF-8");
        x.writeStartDocument("UTF-8", "1.0");
        x.writeStartElement("feed");
        x.writeDefaultNamespace(ATOM);
        text(x, "id", base.resolve(self).toString());
        text(x, "title", title);
        Instant updated = entries.isEmpty() ? Instant.EPOCH : entries.get(0).finishedAt();
        text(x, "updated", DateTimeFormatter.ISO_INSTANT.format(updated));
        link(x, "self", base.resolve(self).toString(), "application/atom+xml");
        link(x, "alternate", base.toString() + alt, "text/html");
        x.writeStartElement("author");
        text(x, "name", "extfarm");
        x.writeEndElement();
        text(x, "generator", "extfarm registry");
        for (FeedEntry e : entries) {
            x.writeStartElement("entry");
            text(x, "id", base.resolve("api/v1/builds/" + e.id()).toString());
            text(x, "title", e.title());
            text(x, "updated", DateTimeFormatter.ISO_INSTANT.format(e.finishedAt()));
            if (e.startedAt() != null) {
                text(x, "published", DateTimeFormatter.ISO_INSTANT.format(e.startedAt()));
            }
            link(x, "alternate", base.toString() + "#/builds/" + e.id(), "text/html");
            link(x, "related", base.resolve("api/v1/builds/" + e.id()).toString(), "application/json");
            x.writeStartElement("category");
            x.writeAttribute("term", xmlText(e.status()));
            x.writeEndElement();
            if (e.cause() != null) {
                x.writeStartElement("category");
                x.writeAttribute("term", xmlText(e.cause()));
                x.writeAttribute("scheme", base.resolve("problems/build-cause").toString());
                x.writeEndElement();
            }
            x.writeStartElement("summary");
            x.writeAttribute("type", "text");
            x.writeCharacters(xmlText(e.summary()));
            x.writeEndElement();
            x.writeEndElement();
        }
        x.writeEndElement();
        x.writeEndDocument();
        x.flush();
        x.close();
    }

    private static void text(XMLStreamWriter x, String name, String value) throws XMLStreamException {
        x.writeStartElement(name);
        x.writeCharacters(xmlText(value));
        x.writeEndElement();
    }

    private static void link(XMLStreamWriter x, String rel, String href, String type) throws XMLStreamException {
        x.writeEmptyElement("link");
        x.writeAttribute("rel", rel);
        x.writeAttribute("href", xmlText(href));
        x.writeAttribute("type", type);
    }

    /**
     * The text with every character XML 1.0 does not allow (its {@code Char} production: C0 controls
     * but tab, line feed and carriage return; U+FFFE, U+FFFF; a surrogate without its other half)
     * replaced by U+FFFD, the replacement character.
     */
    static String xmlText(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean pair = Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
            boolean allowed = pair || c == '\t' || c == '\n' || c == '\r'
                    || (c >= 0x20 && c <= 0xFFFD && !Character.isSurrogate(c));
            if (!allowed && out == null) {
                out = new StringBuilder(s.length()).append(s, 0, i);
            }
            if (out != null) {
                if (pair) {
                    out.append(c).append(s.charAt(i + 1));
                } else {
                    out.append(allowed ? c : '\uFFFD');
                }
            }
            if (pair) {
                i++;
            }
        }
        return out == null ? s : out.toString();
    }
}
