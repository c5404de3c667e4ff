"""Typed keys for the long-lived objects hung off the aiohttp application."""

from concurrent.futures import ThreadPoolExecutor

from aiohttp import web

from server.reports import ReportFont
from server.settings import Settings
from server.signing_seal import Seal
from server.store import Durability, Store

SETTINGS = web.AppKey("settings", Settings)
STORE = web.AppKey("store", Store)
# what Redis promised at start-up (server/store/durable.py); absent if it did not answer (dev)
DURABILITY = web.AppKey("durability", Durability)
REPORT_FONT = web.AppKey("report_font", ReportFont)  # found at start-up, maybe missing
HASHING = web.AppKey("password_hashing", ThreadPoolExecutor)  # argon2's few threads
SEAL = web.AppKey("seal", Seal)  # the organization's seal on signed agreements, maybe missing
