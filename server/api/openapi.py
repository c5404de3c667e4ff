"""The OpenAPI 3.1 document, generated from the registered ApiRoutes."""

import re
from typing import Any

from server.api import ApiRoute

_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
        }
    },
}


def _parameters(path: str) -> list[dict[str, Any]]:
    return [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"{(\w+)", path)
    ]


def _operation(route: ApiRoute) -> dict[str, Any]:
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    responses: dict[str, Any] = {
        code: {"description": text} for code, text in (route.responses or {"200": "OK"}).items()
    }
    responses["4XX"] = {"description": "The request was refused; see the error.", **error}
    operation: dict[str, Any] = {
        "summary": route.summary,
        "tags": [route.tag],
        "operationId": route.handler.__name__,
        "responses": responses,
    }
    if params := _parameters(route.path):
        operation["parameters"] = params
    if route.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": route.body.openapi()}},
        }
    if route.auth:
        operation["security"] = [{"session": []}]
    return operation


def openapi_document(routes: list[ApiRoute]) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        path = re.sub(r"{(\w+)(:[^}]*)?}", r"{\1}", route.path)
        paths.setdefault(path, {})[route.method.lower()] = _operation(route)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Yunhui API", "version": "1"},
        "paths": paths,
        "components": {
            "schemas": {"Error": _ERROR},
            "securitySchemes": {
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "YUNHUI_SESSION",
                    "description": "The login session cookie; state-changing requests also "
                    "send its CSRF token in the X-CSRF-Token header.",
                }
            },
        },
    }
