"""The active speaker, from the audio levels publishers put in their RTP headers (RFC 6464).

Levels are -dBov, 0 (loudest) to 127 (silence). Each participant's level is smoothed; every
``interval`` the loudest one above ``threshold`` becomes the active speaker if nobody is, or
the current one has gone quiet, or the other is louder by ``margin`` dB. A silent room keeps
its last speaker.
"""

from dataclasses import dataclass, field

from server.media.packets import SILENCE


@dataclass(slots=True)
class _Voice:
    loudness: float  # dB above -127 dBov, smoothed
    heard_at: float


@dataclass(slots=True)
class SpeakerDetector:
    threshold_dbov: float = -55.0
    margin_db: float = 6.0
    interval: float = 0.2  # seconds between decisions
    stale_after: float = 1.0  # a voice not heard for this long counts as silent
    smoothing: float = 0.15  # weight of each new 20 ms packet
    speaker: str | None = None
    _voices: dict[str, _Voice] = field(default_factory=dict)
    _decided_at: float = float("-inf")

    def observe(self, participant_id: str, level: int, now: float) -> str | None:
        """Take one packet's level; the new active speaker when it changes, else None."""
        loudness = float(SILENCE - min(level, SILENCE))
        voice = self._voices.get(participant_id)
        if voice is None:
            self._voices[participant_id] = _Voice(loudness, now)
        else:
            voice.loudness += self.smoothing * (loudness - voice.loudness)
            voice.heard_at = now
        if now - self._decided_at < self.interval:
            return None
        self._decided_at = now
        return self._decide(now)

    def forget(self, participant_id: str) -> None:
        """The participant stopped publishing audio (left, muted, unpublished)."""
        self._voices.pop(participant_id, None)

    def _loudness(self, participant_id: str | None, now: float) -> float:
        voice = self._voices.get(participant_id) if participant_id else None
        if voice is None or now - voice.heard_at > self.stale_after:
            return 0.0
        return voice.loudness

    def _decide(self, now: float) -> str | None:
        loudest = max(self._voices, key=lambda p: self._loudness(p, now), default=None)
        floor = SILENCE + self.threshold_dbov
        best = self._loudness(loudest, now)
        if loudest is None or loudest == self.speaker or best < floor:
            return None
        current = self._loudness(self.speaker, now)
        if self.speaker is None or current < floor or best >= current + self.margin_db:
            self.speaker = loudest
            return loudest
        return None
