"""The media plane: a selective forwarding unit on aiortc that never decodes or encodes.

Only this package (and later recordings/) imports aiortc and av. See ARCHITECTURE.md, Media.
"""

from server.media.config import (
    PRIVATE_NETWORKS,
    CandidatePolicy,
    IceServer,
    MediaConfig,
    stun_servers,
)
from server.media.errors import MediaError
from server.media.hooks import HookError, check_hooks
from server.media.peer import MediaPeer, PublishAnswer
from server.media.router import Router
from server.media.source import Kind, Source

__all__ = [
    "PRIVATE_NETWORKS",
    "CandidatePolicy",
    "HookError",
    "IceServer",
    "Kind",
    "MediaConfig",
    "MediaError",
    "MediaPeer",
    "PublishAnswer",
    "Router",
    "Source",
    "check_hooks",
    "stun_servers",
]
