"""An interactive control in a real kernel, with widget messages arriving as JupyterLab sends them.

Since ipykernel 7, JupyterLab sends widget messages on a kernel subshell, and the kernel may
handle one while another is still running. When a slider's redraw is running, the frontend
echoes the output widget's new state; handling that echo runs matplotlib-inline's flush of
open figures, which (in pyplot's interactive mode) showed and closed the figure being drawn:
the learner saw empty axes (found by tests/test_browser.py). This test sends the same two
messages to a kernel and checks that the figure shown is the finished one.
"""

import base64
import io
import time

import matplotlib.image as mpimg
import pytest

jupyter_client = pytest.importorskip("jupyter_client")

SETUP = """
import time
import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from nnlab.widgets import live_control

def render(n):
    fig, ax = plt.subplots(figsize=(3, 3))
    time.sleep(1.0)  # the frontend's echo arrives while the figure is being built
    ax.imshow(np.full((4, 4), float(n)), cmap="viridis", vmin=0, vmax=5)
    ax.set_title(f"n = {n}")

panel = live_control(render, n=widgets.IntSlider(value=1, min=0, max=5))
print(panel.controls["n"].comm.comm_id, panel.output.comm.comm_id)
"""


def _execute(kc, code):
    msg_id = kc.execute(code)
    text = ""
    while True:
        msg = kc.get_iopub_msg(timeout=60)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "stream":
            text += msg["content"]["text"]
        if msg["msg_type"] == "error":
            pytest.fail("\n".join(msg["content"]["traceback"]))
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return text


def _comm_msg(kc, comm_id, state, subshell_id):
    msg = kc.session.msg(
        "comm_msg",
        {"comm_id": comm_id, "data": {"method": "update", "state": state, "buffer_paths": []}},
    )
    msg["header"]["subshell_id"] = subshell_id
    kc.shell_channel.send(msg)
    return msg["header"]["msg_id"]


def _coloured_fraction(png_base64):
    image = mpimg.imread(io.BytesIO(base64.b64decode(png_base64)), format="png")[..., :3]
    return float(((image.max(-1) - image.min(-1)) > 0.1).mean())


def test_a_redraw_is_shown_finished_while_the_frontend_echoes_widget_state(tmp_path):
    km, kc = jupyter_client.manager.start_new_kernel(kernel_name="python3")
    try:
        info = kc.kernel_info(reply=True)["content"]
        if "kernel subshells" not in info.get("supported_features", []):
            pytest.skip("this ipykernel has no subshells: widget messages are handled in turn")
        slider_id, output_id = _execute(kc, SETUP).split()
        kc.control_channel.send(kc.session.msg("create_subshell_request", {}))
        subshell = kc.control_channel.get_msg(timeout=10)["content"]["subshell_id"]

        move = _comm_msg(kc, slider_id, {"value": 2}, subshell)
        time.sleep(0.4)
        echo = {"outputs": [{"output_type": "stream", "name": "stdout", "text": "echo\n"}]}
        _comm_msg(kc, output_id, echo, subshell)

        images, deadline = [], time.monotonic() + 60
        while time.monotonic() < deadline:
            msg = kc.get_iopub_msg(timeout=30)
            data = msg["content"].get("data", {})
            if msg["msg_type"] == "display_data" and "image/png" in data:
                images.append(data["image/png"])
            done = msg["parent_header"].get("msg_id") == move
            if done and msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                break
        assert len(images) == 1, f"the figure was shown {len(images)} times"
        assert _coloured_fraction(images[0]) > 0.3, "the figure was shown before it was drawn"
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
