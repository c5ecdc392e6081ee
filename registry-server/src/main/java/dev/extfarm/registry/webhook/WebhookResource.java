package dev.extfarm.registry.webhook;

import dev.extfarm.registry.auth.CurrentViewer;
import dev.extfarm.registry.auth.Roles;
import dev.extfarm.registry.links.LinkConfig;
import dev.extfarm.registry.webhook.WebhookViews.CreateRequest;
import dev.extfarm.registry.webhook.WebhookViews.DeliveryList;
import dev.extfarm.registry.webhook.WebhookViews.Delivery;
import dev.extfarm.registry.webhook.WebhookViews.Webhook;
import dev.extfarm.registry.webhook.WebhookViews.WebhookList;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.net.URI;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** Webhooks of one extension, managed by the maintainers who own it and by admins (docs/web.md). */
@Path("/api/v1/extensions/{name}/webhooks")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed({Roles.MAINTAINER, Roles.ADMIN})
public class WebhookResource {

    @Inject
    Webhooks webhooks;
    @Inject
    CurrentViewer viewer;
    @Inject
    LinkConfig links;
    @Context
    UriInfo uri;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Register a webhook for build results (201; the signing secret is shown only in this answer)")
    public Response create(@PathParam("name") String name, CreateRequest request) {
        URI base = links.publicUrl().orElse(uri.getBaseUri());
        Webhook w = webhooks.create(viewer.principal(), name, request, base);
        return Response.status(201).entity(w).location(uri.getAbsolutePathBuilder().path(Long.toString(w.id())).build()).build();
    }

    @GET
    @Operation(summary = "The extension's webhooks with their last delivery (no secrets)")
    public WebhookList list(@PathParam("name") String name) {
        return new WebhookList(name, webhooks.list(viewer.principal(), name));
    }

    @DELETE
    @Path("/{id}")
    @Operation(summary = "Remove a webhook and its pending deliveries")
    public Response delete(@PathParam("name") String name, @PathParam("id") long id) {
        webhooks.delete(viewer.principal(), name, id);
        return Response.noContent().build();
    }

    @GET
    @Path("/{id}/deliveries")
    @Operation(summary = "Recent deliveries of a webhook, newest first: state, attempts, last HTTP status or error")
    public DeliveryList deliveries(@PathParam("name") String name, @PathParam("id") long id,
                                 @QueryParam("limit") @DefaultValue("20") int limit) {
        return new DeliveryList(id, webhooks.deliveries(viewer.principal(), name, id, limit));
    }

    @POST
    @Path("/{id}/ping")
    @Operation(summary = "Send a signed 'ping' delivery now, to test the receiver (202)")
    public Response ping(@PathParam("name") String name, @PathParam("id") long id) {
        Delivery d = webhooks.ping(viewer.principal(), name, id);
        return Response.accepted(d).build();
    }
}
