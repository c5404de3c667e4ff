"""How long each kind of text people type may be: one limit per field, shared by the rules
of rooms/, the console's forms (``maxlength``, through the ``limits`` template global), the
REST API's schemas (``maxLength``, OpenAPI included) and the Socket.IO payload checks.

Lengths count characters (code points) after trimming, except where the name says bytes.
A field's own rules may refuse more (an e-mail's syntax, a chat message's emptiness); none
may allow more.
"""

NAME_MAX = 100  # a person's or an organization's name: staff, expert, guest, invitee
EMAIL_MAX = 254  # an e-mail address (the longest path RFC 5321 allows)
EMAIL_LOCAL_MAX = 64  # the part of an address before the @
PASSWORD_MAX = 1024  # hashing a longer one would only cost time
TITLE_MAX = 200  # an event's or a session's title
DESCRIPTION_MAX = 5000  # an event's or a session's description
ZONE_MAX = 64  # an IANA time zone name as typed
CHAT_TEXT_MAX_BYTES = 4096  # a chat message, in UTF-8 once trimmed
QUESTION_CHARS_MAX = 500  # a question of a room's Q&A
FOLLOW_UP_MESSAGE_MAX = 1000  # an investor's message with a follow-up request
INTEREST_NOTE_MAX = 5000  # an investor's private note on a pitch (the protocol's COMMENT_CHARS_MAX)
