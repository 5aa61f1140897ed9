#!/usr/bin/env bash
# The Littlest JupyterHub (TLJH) for a class running nnlab, on one Ubuntu server.
# Run as a user with sudo, on a fresh server: bash deploy/tljh/install.sh <admin-name>
# The limits below are deploy/z2jh/config.yaml's (tests/test_deploy.py keeps them equal);
# the guide's chapter "Running it for a class" says how many students a server holds.
set -euo pipefail
ADMIN="${1:?usage: install.sh <admin-name>}"
NNLAB_REPO=https://github.com/nnlab-course/nnlab
NNLAB_REF=v0.1.0

# 1. TLJH itself (JupyterHub, the proxy, systemd spawner, the idle culler).
curl -L https://tljh.jupyter.org/bootstrap.py | sudo python3 - --admin "$ADMIN"

# 2. The students' environment: CPU-only PyTorch, nnlab at the release tag, nbgitpuller.
sudo -E /opt/tljh/user/bin/pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0
sudo -E /opt/tljh/user/bin/pip install "nnlab @ git+${NNLAB_REPO}@${NNLAB_REF}" nbgitpuller

# Shut down kernels idle for 20 minutes with no notebook tab open (deploy/image/ has the file).
sudo install -D -m 644 "$(dirname "$0")/../image/jupyter_server_config.json" \
    /opt/tljh/user/etc/jupyter/jupyter_server_config.d/nnlab-kernels.json

# 3. Per-student limits, JupyterLab by default, and the idle culler.
sudo tljh-config set limits.memory 1G
sudo tljh-config set limits.cpu 1
sudo tljh-config set user_environment.default_app jupyterlab
sudo tljh-config set services.cull.enabled true
sudo tljh-config set services.cull.timeout 3600
sudo tljh-config set services.cull.every 600

# 4. PyTorch's thread count equal to the CPU limit, fast mode (extra JupyterHub config).
sudo install -m 644 "$(dirname "$0")/nnlab_config.py" /opt/tljh/config/jupyterhub_config.d/nnlab.py

sudo tljh-config reload
