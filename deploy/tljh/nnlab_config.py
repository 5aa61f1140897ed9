# TLJH reads extra JupyterHub configuration from /opt/tljh/config/jupyterhub_config.d/;
# deploy/tljh/install.sh copies this file there. The values are deploy/z2jh/config.yaml's
# singleuser.extraEnv (tests/test_deploy.py keeps them equal).
c = get_config()  # noqa: F821 (JupyterHub defines it)
c.Spawner.environment.update(
    {"OMP_NUM_THREADS": "1", "NNLAB_MODE": "fast", "OMP_WAIT_POLICY": "PASSIVE"}
)
