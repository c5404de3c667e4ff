"""The OpenAPI 3.1 document, generated from the registered ApiRoutes.

Schemas that carry a ``title`` (the responses of server/api/views.py, the time zone of
server/api/schema.py) are moved into ``components/schemas`` under that title and referenced
from where they were used, in responses and request bodies alike.
"""

import re
from typing import Any

from server.api.routes import ApiRoute

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
MULTIPART = "multipart/form-data"
_TEXT = {"type": "string"}
_UPLOAD = {  # one file in a field named "file"
    "type": "object",
    "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary"}},
}
_ERROR_CONTENT = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}


def _hoist(schema: Any, components: dict[str, Any]) -> Any:
    """schema with every titled sub-schema replaced by a $ref into components."""
    if isinstance(schema, list):
        return [_hoist(item, components) for item in schema]
    if not isinstance(schema, dict):
        return schema
    inner = {key: _hoist(value, components) for key, value in schema.items()}
    title = schema.get("title")
    if not isinstance(title, str):
        return inner
    if components.setdefault(title, inner) != inner:
        raise ValueError(f"two different schemas are titled {title}")
    return {"$ref": f"#/components/schemas/{title}"}


def _parameters(path: str) -> list[dict[str, Any]]:
    return [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"{(\w+)", path)
    ]


def _responses(route: ApiRoute, components: dict[str, Any]) -> dict[str, Any]:
    documented = route.responses or {"200": "OK"}
    responses: dict[str, Any] = {code: {"description": text} for code, text in documented.items()}
    if route.returns is not None:
        success = min(code for code in documented if code.startswith("2"))
        schema = _hoist(route.returns, components)
        responses[success]["content"] = {"application/json": {"schema": schema}}
    for code, response in responses.items():
        if code[0] in "45":
            response["content"] = _ERROR_CONTENT
    responses["4XX"] = {"description": "The request was refused; see the error."}
    responses["4XX"]["content"] = _ERROR_CONTENT
    return responses


def _operation(route: ApiRoute, components: dict[str, Any]) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": route.summary,
        "tags": [route.tag],
        "operationId": route.handler.__name__,
        "responses": _responses(route, components),
    }
    if params := _parameters(route.path):
        operation["parameters"] = params
    if route.body is not None:
        operation["requestBody"] = {
            "required": route.body.required,
            "content": {"application/json": {"schema": _hoist(route.body.openapi(), components)}},
        }
    elif route.accepts is not None:
        content = {route.accepts: {"schema": _UPLOAD if route.accepts == MULTIPART else _TEXT}}
        operation["requestBody"] = {"required": True, "content": content}
    operation["security"] = [{"session": []}] if route.auth else []
    return operation


def openapi_document(routes: list[ApiRoute]) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    components: dict[str, Any] = {"Error": _ERROR}
    for route in routes:
        path = re.sub(r"{(\w+)(:[^}]*)?}", r"{\1}", route.path)
        paths.setdefault(path, {})[route.method.lower()] = _operation(route, components)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Yunhui API", "version": "1"},
        "tags": [{"name": tag} for tag in sorted({route.tag for route in routes})],
        "paths": paths,
        "components": {
            "schemas": components,
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
