"""The active speaker from audio levels: threshold, hysteresis, silence keeps the speaker."""

from server.media.speaker import SpeakerDetector

LOUD, MEDIUM, QUIET = 20, 35, 100  # -dBov


def talk(
    detector: SpeakerDetector, levels: dict[str, int], *, start: float, seconds: float
) -> list[str]:
    """Every voice sends a packet each 20 ms; the changes of speaker, in order."""
    changes = []
    for step in range(int(seconds / 0.02)):
        for participant_id, level in levels.items():
            speaker = detector.observe(participant_id, level, start + step * 0.02)
            if speaker is not None:
                changes.append(speaker)
    return changes


def test_speaker_is_the_loudest_voice_above_the_threshold() -> None:
    detector = SpeakerDetector()

    changes = talk(detector, {"ann": MEDIUM, "bob": LOUD, "cai": QUIET}, start=0.0, seconds=1.0)

    assert (changes[-1], detector.speaker) == ("bob", "bob")


def test_speaker_does_not_change_for_a_slightly_louder_voice() -> None:
    detector = SpeakerDetector()
    talk(detector, {"ann": 30}, start=0.0, seconds=1.0)

    changes = talk(detector, {"ann": 30, "bob": 27}, start=1.0, seconds=1.0)

    assert (changes, detector.speaker) == ([], "ann")


def test_speaker_changes_when_the_current_one_goes_quiet() -> None:
    detector = SpeakerDetector()
    talk(detector, {"ann": LOUD}, start=0.0, seconds=1.0)

    changes = talk(detector, {"ann": QUIET, "bob": MEDIUM}, start=1.0, seconds=1.0)

    assert changes == ["bob"]


def test_speaker_stays_when_the_room_falls_silent() -> None:
    detector = SpeakerDetector()
    talk(detector, {"ann": LOUD}, start=0.0, seconds=1.0)

    changes = talk(detector, {"ann": QUIET, "bob": QUIET}, start=1.0, seconds=2.0)

    assert (changes, detector.speaker) == ([], "ann")


def test_speaker_quiet_room_has_no_speaker() -> None:
    detector = SpeakerDetector()

    changes = talk(detector, {"ann": QUIET, "bob": 90}, start=0.0, seconds=1.0)

    assert (changes, detector.speaker) == ([], None)


def test_speaker_forgotten_voice_cannot_hold_the_floor() -> None:
    detector = SpeakerDetector()
    talk(detector, {"ann": LOUD}, start=0.0, seconds=1.0)
    detector.forget("ann")

    changes = talk(detector, {"bob": MEDIUM}, start=1.0, seconds=0.5)

    assert changes == ["bob"]
