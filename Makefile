# Huduma Kiosk: the two commands that set up a fresh Debian or Ubuntu machine.
#
#   make demo    system packages, .venv, the project; then the kiosk in demo mode
#   make test    the same set-up; then the whole test suite (layer contracts included)
#
# Other targets: setup, catalogues (refresh the gettext catalogues), screenshots, clean.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

# The first Python that is 3.11 or newer.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
	&& { echo $$p; break; }; done)

# Debian/Ubuntu packages the kiosk and its tests need:
#   pcscd, vsmartcard-vpcd     the PC/SC daemon and the virtual reader our card emulator plugs into
#   libpcsclite-dev, swig, gcc pyscard builds from source against them
#   libzbar0                   pyzbar's decoder
#   libegl-mesa0, libegl1, libgles2, libgl1-mesa-dri, libmtdev1
#                              Kivy rendering with Mesa, with or without a screen
#   espeak-ng                  spoken guidance in English and Kiswahili
#   postgresql                 the server the sandbox's tests start a private cluster of
#                              (initdb, postgres under /usr/lib/postgresql/<version>/bin)
APT_PACKAGES := pcscd vsmartcard-vpcd libpcsclite-dev swig gcc pkg-config libzbar0 \
	libegl-mesa0 libegl1 libgles2 libgl1-mesa-dri libmtdev1 espeak-ng postgresql

.PHONY: help setup system-packages demo test catalogues screenshots clean

help:
	@sed -n '1,6p' Makefile | sed 's/^# \{0,1\}//'

system-packages:
	@if [ -z "$(PYTHON)" ]; then \
		echo "Python 3.11 or newer is needed; installing Debian's python3 ..."; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv python3-dev; \
	fi
	@py=$${PYTHON:-$$(command -v python3)}; need="$(APT_PACKAGES)"; \
	$$py -c 'import ensurepip' 2>/dev/null || need="$$need python3-venv"; \
	$$py -c 'import sysconfig, os, sys; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' \
		|| need="$$need python3-dev"; \
	missing=""; for p in $$need; do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "Installing system packages:$$missing"; \
		$(SUDO) apt-get update -qq; \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi
# Debian keeps PostgreSQL's server binaries off PATH; the tests find them by this glob too.
	@ls /usr/lib/postgresql/*/bin/initdb /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || { \
		echo "PostgreSQL's initdb and postgres are not under /usr/lib/postgresql/*/bin:" \
			"install the package postgresql"; exit 1; }

$(BIN)/.installed: pyproject.toml | system-packages
	@py="$(PYTHON)"; [ -n "$$py" ] || py=python3; \
	[ -x $(BIN)/python ] || $$py -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $@

setup: system-packages $(BIN)/.installed

demo: setup
	@if [ -z "$${DISPLAY:-}$${WAYLAND_DISPLAY:-}" ] && [ -z "$${SDL_VIDEODRIVER:-}" ]; then \
		echo "No display here (neither DISPLAY nor WAYLAND_DISPLAY is set)."; \
		echo "Run 'make demo' on a machine with a screen, or 'make screenshots' to see every screen as PNG."; \
		exit 1; \
	fi
	$(BIN)/huduma-kiosk run --demo

test: setup
	$(BIN)/python -m pytest

catalogues: setup
	$(BIN)/python -m kiosk_app.catalogues update

# Every screen, in English and Kiswahili, portrait and landscape, and in high contrast, as
# docs/screenshots/<screen>-<en|sw>-<portrait|landscape>[-high-contrast].png (the old ones go first).
screenshots: setup
	rm -f docs/screenshots/*.png
	HUDUMA_SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots $(BIN)/python -m pytest -q -m kivy -k screenshot_gallery

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
