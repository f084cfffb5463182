"""The OVHcloud-compatible REST API for customers' scripts (issue 12): under construction. So far
the request signature and the access rules (customer_api.signing); no route is served yet."""
