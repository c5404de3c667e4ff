# Yunhui: `make run` starts the server, `make test` runs every check. Nothing else to install.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test lint install install-dev chromium fonts poppler rtmp messages bench-agenda bench-chat bench-chat-5000 \
	bench-sfu bench-class bench-record bench-failover bench-stream bench-cluster bench-redis-cluster bench-replica-wait \
	clean run-cluster haproxy mediasoup

$(PY):
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required: install python3.11 (Debian: apt-get install python3.11 python3.11-venv)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

# pip builds the media plane's compiled fan-out (setup.py, server/media/_fanout.c) with
# Python's headers and a C compiler: as root on Debian they are installed first; elsewhere,
# without them, the media plane forwards in pure Python (and its compiled fan-out's tests fail).
$(VENV)/.installed: pyproject.toml setup.py server/media/_fanout.c | $(PY)
	@missing=""; command -v gcc >/dev/null || missing=" gcc"; \
	[ -f "$$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["include"])')/Python.h" ] || \
		missing="$$missing lib$(PYTHON)-dev"; \
	if [ -n "$$missing" ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		$(call debian,for the compiled fan-out,The compiled fan-out); \
	elif [ -n "$$missing" ]; then \
		echo "the compiled fan-out needs Debian's$$missing: forwarding in pure Python"; fi
	$(PY) -m pip install -q -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(PY) -m pip install -q -e '.[dev]'
	@touch $@

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is required: install Node.js 20 and npm (Debian: apt-get install nodejs npm)"; exit 1; }
	npm ci --omit=optional --no-audit --no-fund --loglevel=error  # optional: pdf.js's Node-only canvas
	@touch $@

install: $(VENV)/.installed node_modules/.installed
install-dev: $(VENV)/.installed-dev node_modules/.installed

run: install fonts
	$(PY) -m server

# $(call debian,FOR WHAT,WHO): installs the Debian packages the recipe listed in the shell's
# $$missing (each after a space), as root with apt-get; anyone else is told what to install.
debian = if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing Debian's$$missing $(1)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else echo "$(2) need Debian's packages:$$missing (sudo apt-get install$$missing)"; exit 1; fi

# The browser tests need Debian's chromium; the media tests also run it in a network namespace
# of their own (root, and `ip` from iproute2; the slow-viewer test shapes a port with its `tc`).
chromium:
	@missing=""; command -v chromium >/dev/null || missing=" chromium"; \
	command -v ip >/dev/null || missing="$$missing iproute2"; \
	$(call debian,for the browser tests,The browser tests)

# Generated PDF documents embed a CJK font, WenQuanYi Micro Hei; server/reports/fonts.py
# looks for it here (or wherever REPORT_FONT says). The room's reactions are emoji: a
# headless Chromium draws them as boxes without Noto Color Emoji (screenshots, tests).
REPORT_FONT_FILE := /usr/share/fonts/truetype/wqy/wqy-microhei.ttc
EMOJI_FONT_FILE := /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf
fonts:
	@missing=""; [ -f $(REPORT_FONT_FILE) ] || missing=" fonts-wqy-microhei"; \
	[ -f $(EMOJI_FONT_FILE) ] || missing="$$missing fonts-noto-color-emoji"; \
	$(call debian,for PDF documents and emoji,PDF documents and emoji)

# The report tests read the PDFs back with poppler's pdftotext, pdfinfo and pdffonts (and
# pdftoppm), and scan a certificate's QR code with zbar's zbarimg; the slides' tests pack a
# PDF into object streams with qpdf.
poppler:
	@missing=""; command -v pdftotext >/dev/null || missing=" poppler-utils"; \
	command -v zbarimg >/dev/null || missing="$$missing zbar-tools"; \
	command -v qpdf >/dev/null || missing="$$missing qpdf"; \
	$(call debian,for the PDF tests,The PDF tests)

# Several processes on this machine (README "Run several processes"): HAProxy in front of
# WEB_PROCESSES web processes (ports PORT+1…), a scheduler and a worker, run by honcho from the
# Procfile; HAProxy listens on PORT (8080). The embedded Redis unless REDIS_URL names one.
WEB_PROCESSES ?= 3
haproxy:
	@missing=""; command -v haproxy >/dev/null || missing=" haproxy"; \
	$(call debian,for several processes,make run-cluster and the cluster tests)

run-cluster: install fonts haproxy
	$(PY) -m server.cluster --web $(WEB_PROCESSES)
# The streamer's tests push the room to a local RTMP ingest: Debian's nginx with its RTMP
# module, started by each test on 127.0.0.1 with its own prefix (tests/server/media/ingest.py).
# Where systemd runs, Debian also starts its nginx service on port 80: `systemctl disable
# --now nginx` if that is not wanted.
rtmp:
	@missing=""; [ -x /usr/sbin/nginx ] || missing=" nginx"; \
	[ -f /usr/lib/nginx/modules/ngx_rtmp_module.so ] || missing="$$missing libnginx-mod-rtmp"; \
	$(call debian,for the streaming tests,The streaming tests)

lint: install-dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

test: install-dev chromium fonts poppler haproxy rtmp lint
	$(PY) -m pytest -n 2 --dist loadscope  # two workers, scheduled in tests/conftest.py

bench-agenda: install
	$(PY) bench/agenda.py

bench-chat: install
	$(PY) bench/chat.py

# The real path with 5000 clients in one room: several minutes (its joins cost O(C²) messages).
bench-chat-5000: install
	$(PY) bench/chat.py --clients 5000 --modes real

# bench-sfu's peer: mediasoup 3.12.16's worker, built in .mediasoup from the npm package
# against Debian's libraries (bench/mediasoup/build.sh; a few minutes the first time).
MEDIASOUP_DEBS := g++ pkg-config python3-venv libssl-dev libuv1-dev libsrtp2-dev \
	libusrsctp-dev libabsl-dev nlohmann-json3-dev
mediasoup:
	@missing=""; for deb in $(MEDIASOUP_DEBS); do \
		dpkg-query -W -f='$${Status}' $$deb 2>/dev/null | grep -q "ok installed" || missing="$$missing $$deb"; \
	done; $(call debian,for the bench's mediasoup,Building mediasoup)
	@command -v npm >/dev/null || { echo "npm is required: install Node.js 20 and npm (Debian: apt-get install nodejs npm)"; exit 1; }
	bench/mediasoup/build.sh .mediasoup

bench-sfu: install mediasoup
	$(PY) bench/sfu.py

# One teacher publishing to 500 listeners of a class, and a quiz they all answer: a few minutes.
bench-class: install
	$(PY) bench/classroom.py

# The recorder's live cost against a viewer's, and how fast a recording is composed: a minute.
bench-record: install
	$(PY) bench/record.py

# make run-cluster for real, then kill -9 of a meeting's owner (seconds until all are back)
bench-failover: install haproxy
	$(PY) bench/failover.py

# The store on one Redis and on a three-master Redis Cluster (loopback): client CPU per operation.
bench-redis-cluster: install-dev
	$(PY) bench/store_cluster.py

# A cluster with replicas (loopback): acknowledged posts lost to a lagging replica's
# promotion, with and without the replica wait, and the wait's cost per batch: a minute.
bench-replica-wait: install-dev
	$(PY) bench/replica_wait.py

# One publisher, its viewers' media on 1, 2 and 4 edge processes (relay links from the owner),
# against all on the owner; then kill -9 of an edge: a minute or two. Redis: REDIS_URL, else
# the local one's database 12 (flushed).
bench-cluster: install
	$(PY) bench/cluster.py

bench-stream: install rtmp
	$(PY) bench/stream.py

BABEL_KEYWORDS = --no-default-keywords -k _ -k gettext:1,1t -k gettext:2,2t \
	-k ngettext:1,2,3t -k ngettext:2,3,4t -k DomainError -k NotFound -k Conflict \
	-k Forbidden -k TimeError -k ApiError:3 -k _wrong:2 -k whole_number:3

# Extract English strings to messages.pot and list untranslated ones in zh_CN/messages.po;
# tests/test_translations.py remains the complete check (it follows constants and tables too).
messages: install-dev
	$(VENV)/bin/pybabel extract -F babel.cfg $(BABEL_KEYWORDS) --sort-by-file \
		--project Yunhui -o web/translations/messages.pot .
	$(VENV)/bin/pybabel update -i web/translations/messages.pot -d web/translations \
		-D messages -l zh_CN --init-missing --no-fuzzy-matching --ignore-obsolete
	$(PY) -m pytest -q tests/test_translations.py

clean:
	rm -rf $(VENV) node_modules build server/media/_fanout.*.so
