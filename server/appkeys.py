"""Typed keys for the long-lived objects hung off the aiohttp application."""

from concurrent.futures import ThreadPoolExecutor

from aiohttp import web

from server.settings import Settings
from server.store import Store

SETTINGS = web.AppKey("settings", Settings)
STORE = web.AppKey("store", Store)
HASHING = web.AppKey("password_hashing", ThreadPoolExecutor)  # argon2's few threads
