-- Egress rules (issue 21: sources and webhooks reach only public addresses unless the operator
-- allows more). Versions 60..69 belong to them.

-- A delivery the address rules refused: no request was sent; the rule, e.g. webhook-address-forbidden.
ALTER TABLE webhook_delivery ADD COLUMN refused_rule text;
