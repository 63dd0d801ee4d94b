"""The right to a barnekoordinator: the request, the kommune's decision and the appeal."""
