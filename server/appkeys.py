"""Typed keys for the long-lived objects hung off the aiohttp application."""

from concurrent.futures import ThreadPoolExecutor

from aiohttp import web

from server.settings import Settings
from server.store import Durability, Store

SETTINGS = web.AppKey("settings", Settings)
STORE = web.AppKey("store", Store)
# what Redis promised at start-up (server/store/durable.py); absent if it did not answer (dev)
DURABILITY = web.AppKey("durability", Durability)
HASHING = web.AppKey("password_hashing", ThreadPoolExecutor)  # argon2's few threads
