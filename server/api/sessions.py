"""/api/ sessions (filled in by its owner)."""

from server.api import ApiRoutes

routes = ApiRoutes()
