"""API Gateway stage caching of the public GETs (三公开 pages, Open311 reads).

A repeated view of a public page is answered from the stage cache without calling the function,
so it costs no DynamoDB read. API Gateway keys its cache on the method's path only unless told
otherwise: each cached GET gets its query parameters declared and, with its path parameters,
listed as the integration's ``cacheKeyParameters``, so ``?category=A`` and ``?category=B`` are
cached apart. The routes and their parameters come from the app (``CACHED_GETS``).
"""

from __future__ import annotations


def cached_gets() -> dict[str, tuple[str, ...]]:
    from chalicelib.api import open311, public
    return {**public.CACHED_GETS, **open311.CACHED_GETS}


def resource_path(path: str) -> str:
    """``/v1/public/tickets`` -> ``/~1v1~1public~1tickets`` (MethodSettings' encoding)."""
    return "/" + path.lstrip("/").replace("/", "~1")


def path_parameters(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]


def add_cache_keys(definition: dict, cached: dict[str, tuple[str, ...]]) -> None:
    """Declare each cached GET's query parameters and make them, with its path parameters, the
    cache key (edits the Swagger document Chalice generated, in place)."""
    for path, query in cached.items():
        operation = definition["paths"][path]["get"]
        params = operation.setdefault("parameters", [])
        declared = {(p["in"], p["name"]) for p in params}
        for name in query:
            if ("query", name) not in declared:
                params.append({"name": name, "in": "query", "required": False,
                               "type": "string"})
        keys = [f"method.request.path.{n}" for n in path_parameters(path)]
        keys += [f"method.request.querystring.{n}" for n in query]
        operation["x-amazon-apigateway-integration"]["cacheKeyParameters"] = keys


def method_settings(base: dict, ttl: int, cached: dict[str, tuple[str, ...]]) -> list[dict]:
    """The stage-wide setting (no caching) plus one caching setting per public GET."""
    settings = [{**base, "CachingEnabled": False}]
    for path in cached:
        settings.append({**base, "ResourcePath": resource_path(path), "HttpMethod": "GET",
                         "CachingEnabled": True, "CacheTtlInSeconds": ttl,
                         "CacheDataEncrypted": True})
    return settings
