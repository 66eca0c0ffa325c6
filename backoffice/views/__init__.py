"""Staff views over the services of each app, one module per area. Every view checks its
permission with core.access.staff_required; the services check it again."""
