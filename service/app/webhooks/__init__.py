"""Webhooks for integrations: subscriptions, the deliveries the events call for, attempts."""
