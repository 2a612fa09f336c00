# The deployment cells of Rockpool's Xylo Audio tutorial ("Introduction to Xylo Audio"), as a
# Rockpool user runs them, with Rockpool's imports. test_rockpool_tutorial.py changes ONLY the
# import lines (rockpool -> celesta) and runs them on the virtual kits. Cells are separated by
# "# %% <name>"; "# %% <name> [xa2]" runs for Xylo Audio 2 only. The chip-dependent lines are
# written for XyloAudio 2, with the XyloAudio 3 lines commented as in the tutorial; the test
# swaps the comments for the Xylo Audio 3 run. Left out: IPython magics and display calls, the
# training-free network's plots' styling, and the idle-power cell (it reads samna's private
# buffer `modSamna._power_buf` and samna's measurement-channel enum).

# %% imports
from rockpool.nn.modules import LIFTorch, LinearTorch
from rockpool.nn.combinators import Sequential, Residual
from rockpool.transform import quantize_methods as q
from rockpool import TSEvent, TSContinuous

# - Imports dependent on your HDK
# - XyloAudio 2
import rockpool.devices.xylo.syns61201 as xa2
from rockpool.devices.xylo.syns61201 import xa2_devkit_utils as xa2utils
# - XyloAudio 3
# import rockpool.devices.xylo.syns65302 as xa3
# from rockpool.devices.xylo.syns65302 import xa3_devkit_utils as xa3utils

import numpy as np
import matplotlib.pyplot as plt
plt.rcParams['figure.figsize'] = [12, 4]
plt.rcParams['figure.dpi'] = 300

# %% network
# - Define the size of the network layers
Nin = 2
Nhidden = 4
Nout = 2
dt = 1e-3
# - Define the network architecture using combinators and modules
net = Sequential(
    LinearTorch((Nin, Nhidden), has_bias = False),
    LIFTorch(Nhidden, dt = dt),

    Residual(
        LinearTorch((Nhidden, Nhidden), has_bias = False),
        LIFTorch(Nhidden, has_rec = True, threshold = 1., dt = dt),
    ),

    LinearTorch((Nhidden, Nout), has_bias = False),
    LIFTorch(Nout, dt = dt),
)

# - Scale down recurrent weights for stability
net[2][1].w_rec = net[2][1].w_rec / 10.
print(net)

# %% map
# - Call the Xylo mapper on the extracted computational graph
# - For XyloAudio 2
spec = xa2.mapper(net.as_graph(),  weight_dtype='float', threshold_dtype='float', dash_dtype='float')
# - For XyloAudio 3
# spec = xa3.mapper(net.as_graph(),  weight_dtype='float', threshold_dtype='float', dash_dtype='float')

# - Quantize the specification
spec.update(q.global_quantize(**spec))

# # you can also try channel-wise quantization
# spec.update(q.channel_quantize(**spec))
# print(spec)

# - Use rockpool.devices.xylo.config_from_specification to convert it to a hardware configuration
# - For XyloAudio 2
config, is_valid, msg = xa2.config_from_specification(**spec)
# - For XyloAudio 3
# config, is_valid, msg = xa3.config_from_specification(**spec)

if not is_valid:
    print(msg)

# %% find
# - Use rockpool.devices.xylo.find_xylo_hdks to connect to an HDK
from rockpool.devices.xylo import find_xylo_hdks
xylo_hdk_nodes, modules, versions = find_xylo_hdks()

hdk = None

for version, xylo in zip(versions, xylo_hdk_nodes):
    if version == "syns61201":
        hdk = xylo
    # - For XyloAudio 3
    # if version == "syns65302":
    #     hdk = xylo

if hdk is None:
    assert False, 'This tutorial requires a connected XyloAudio HDK to demonstrate.'

# %% deploy
# - Use XyloSamna to deploy to the HDK
if hdk:
    # - For XyloAudio 2
    modSamna = xa2.XyloSamna(hdk, config, dt = dt)
    # - For XyloAudio 3
    # modSamna = xa3.XyloSamna(hdk, config, dt = dt)
    print(modSamna)

# %% input
# - Generate some Poisson input
T = 100
f = 0.4
input_spikes = np.random.rand(T, Nin) < f
TSEvent.from_raster(input_spikes, dt, name = 'Poisson input events').plot();

# %% evolve on the kit
# - Evolve the network on the Xylo HDK
out, _, r_d = modSamna(input_spikes, record = True)

# - Show the internal state variables recorded
print(r_d.keys())

# %% plot the kit's record
# - Plot some internal state variables
plt.figure()
plt.imshow(r_d['Spikes'].T, aspect = 'auto', origin = 'lower')
plt.title('Hidden spikes')

plt.figure()
TSContinuous(r_d['times'], r_d['Isyn'], name = 'Hidden synaptic currents').plot(stagger = 127)

plt.figure()
TSContinuous(r_d['times'], r_d['Vmem'], name = 'Hidden membrane potentials').plot(stagger = 127);

# %% simulate
# - Configure the simulator with the HW network config
# - For XyloAudio 2
modSim = xa2.XyloSim.from_config(config, dt=dt)
# - For XyloAudio 3
# modSim = xa3.XyloSim.from_config(config, dt=dt)
print(modSim)

# - Evolve the input over the network, in simulation
out, _, r_d = modSim(input_spikes, record = True)

# - Show the internal state variables recorded
print(r_d.keys())

# %% plot the simulator's record
plt.figure()
plt.imshow(r_d['Spikes'].T, aspect = 'auto', origin = 'lower')
plt.title('Hidden spikes')

plt.figure()
TSContinuous.from_clocked(r_d['Isyn'], dt, name = 'Hidden synaptic currents').plot(stagger = 127);

plt.figure()
TSContinuous.from_clocked(r_d['Vmem'], dt, name = 'Hidden membrane potentials').plot(stagger = 127);

# %% find again
# - Find and connect to a XyloAudio HDK
from rockpool.devices.xylo import find_xylo_hdks
xylo_hdk_nodes, modules, versions = find_xylo_hdks()

hdk = None

for version, xylo in zip(versions, xylo_hdk_nodes):
    if version == "syns61201":
        hdk = xylo
    # - For XyloAudio 3
    # if version == "syns65302":
    #     hdk = xylo

if hdk is None:
    assert False, 'This tutorial requires a connected XyloAudio HDK to demonstrate.'

# %% afe settings
# - Set the time resolution and duration to record encoded audio
dt = 10e-3
timesteps = 1000

# %% afe [xa2]
# - Create an AFESamna module, which wraps the AFE on the Xylo A2 HDK
#   (stay quiet while this cell is executing)
mod = xa2.AFESamna(hdk, None, dt=dt, auto_calibrate=True, amplify_level='low', hibernation_mode=False)
print(mod)

# - Evolve the module to record encoded real-time audio as events
spikes_ts, _, _ = mod(np.zeros([0, timesteps, 0]))

# - Plot some encoded audio events recorded from the AFE
plt.figure()
plt.imshow(spikes_ts.T, aspect='auto', interpolation='none')
plt.title('#Spikes in AFE output channels')

# %% monitor
# - Use XyloMonitor to deploy to the HDK
# - For XyloAudio 2 you need to wait 45s until the AFE auto-calibration is done

output_mode = "Vmem"
amplify_level = "low"
hibernation = False
DN = False
T = 10

# - For XyloAudio 2
modMonitor = xa2.XyloMonitor(hdk, config, dt=dt, output_mode=output_mode, amplify_level=amplify_level, hibernation_mode=hibernation, divisive_norm=DN)
# - For XyloAudio 3
# - XyloAudio 3 does not have the amplify_level parameter and does not do AFE auto-calibration
# modMonitor = xa3.XyloMonitor(hdk, config, dt = dt, output_mode=output_mode, hibernation_mode=hibernation, dn_active=DN)

# %% monitor loop
# - A resultList stack to store the results

class ResultList(object):
    def __init__(self, max_len=100):
        self._list = []
        self.max_len = max_len

    def reset(self):
        self._list = []

    def append(self, num):
        if len(self._list) < self.max_len:
            self._list.append(num)
        else:
            self._list[: self.max_len - 1] = self._list[1:]
            self._list[self.max_len - 1] = num

    def is_full(self):
        if len(self._list) == self.max_len:
            return True
        else:
            return False

    def counts(self, features=[]):
        count = 0
        for _ in self._list:
            if _ in features:
                count += 1
        return count

    def __len__(self):
        return len(self._list)

    def print_result(self):
        return self._list

# - Draw a real time image for output channels
lines = [ResultList(max_len=10) for _ in range(Nout)]
time_base = ResultList(max_len=10)
tt = 0
t_inference = 10.

from time import time

t_start = time()

while (time() - t_start) < t_inference:
    # - Perform inference on the Xylo A2 HDK
    output, _, _ = modMonitor(input_data=np.zeros((T, Nin)))
    if output is not None:
        output = np.max(output, axis=0)
        for i in range(Nout):
            lines[i].append(output[i])
        time_base.append(tt)
        tt += 0.1
        ax_time = time_base.print_result()

        plt.clf()
        for i in range(Nout):
            plt.plot(ax_time, lines[i].print_result(), label=f"class{i}")
        plt.legend()

# %% power
# - Find and connect to a XyloAudio HDK
xylo_hdk_nodes, modules, versions = find_xylo_hdks()

hdk = None

for version, xylo in zip(versions, xylo_hdk_nodes):
    if version == "syns61201":
        hdk = xylo
    # - For XyloAudio 3
    # if version == "syns65302":
    #     hdk = xylo

if hdk is None:
    assert False, 'This tutorial requires a connected XyloAudio HDK to demonstrate.'

# %% clock [xa2]
# - Set a low clock frequency for the XyloAudio 2 device
# - This step is not necessary for XyloAudio 3
xa2utils.set_xylo_core_clock_freq(hdk, 6.25)

# %% power run
# - Use XyloSamna to deploy to the HDK
# - For XyloAudio 2
modSamna = xa2.XyloSamna(hdk, config, dt = 10e-3, power_frequency=20.)
# - For XyloAudio 3
# modSamna = xa3.XyloSamna(hdk, config, dt = 10e-3, power_frequency=20.)
print(modSamna)

# - Generate some Poisson input
T = 1000
f = 0.4
input_spikes = np.random.rand(T, Nin) < f

# - Evolve some input on the SNN core, and record power during inference
out, _, record_dict = modSamna(input_spikes, record_power = True)

print(record_dict)

# %% help [xa2]
help(xa2utils.set_xylo_core_clock_freq)

# %% cycles
# - For XyloAudio 2
from rockpool.devices.xylo.syns61201 import cycles_model, est_clock_freq
# - For XyloAudio 3
# from rockpool.devices.xylo.syns65302 import cycles_model, est_clock_freq
help(cycles_model)
help(est_clock_freq)

print(f"This network requires {cycles_model(config)} master clock cycles per network time-step.")
print(f"This network requires a master clock of {est_clock_freq(config, dt) / 1e6:.2f} MHz for real-time operation.")
