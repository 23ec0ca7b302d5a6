/**
 * What the launchers and command prefixes accept before the command or script they run. Option
 * names are normalised by `optionName`: leading dashes dropped, `-` read as `_`
 * (`--nproc-per-node` ≡ `--nproc_per_node`).
 */
import { ASSIGN_RE, type Word } from './words.js';

export function optionName(arg: string): string {
  const eq = arg.indexOf('=');
  return (eq < 0 ? arg : arg.slice(0, eq)).replace(/^-+/, '').replace(/-/g, '_');
}

const names = (text: string): ReadonlySet<string> => new Set(text.trim().split(/\s+/));

export interface PrefixSpec {
  /** Options taking separate values, with how many (`mpirun --mca key value` takes two). */
  values: ReadonlyMap<string, number>;
  /** Options after which no command is run (`command -v python`). */
  stops?: ReadonlySet<string>;
  /** Non-option arguments before the command (`timeout 10m cmd`). */
  positional?: number;
  /** `NAME=value` words allowed before the command (`env A=1 cmd`, `sudo A=1 cmd`). */
  assignments?: boolean;
  /** Options meaning the command is a Python module (`uv run -m pkg`). */
  module?: ReadonlySet<string>;
}

const values = (text: string, arity = 1): Map<string, number> => new Map([...names(text)].map((name) => [name, arity]));

const SLURM_VALUES = `A B C D G J N c d e m n o p q t w x account chdir constraint container_image container_mounts
  container_workdir cpu_bind cpus_per_task dependency distribution error export gpus gpus_per_node gpus_per_task gres
  job_name mem mem_per_cpu mem_per_gpu nodelist nodes ntasks ntasks_per_node output partition qos reservation time
  exclude array a`;

/** Commands that run the rest of the line as another command, keyed by basename. */
export const PREFIXES: ReadonlyMap<string, PrefixSpec> = new Map<string, PrefixSpec>([
  ['nohup', { values: new Map() }],
  ['exec', { values: values('a') }],
  ['time', { values: values('o f format output') }],
  ['command', { values: new Map(), stops: names('v V') }],
  ['builtin', { values: new Map() }],
  ['sudo', {
    values: values('u g C D h p r t T U user group close_from chdir host prompt role type command_timeout other_user'),
    assignments: true,
    stops: names('l list v validate K e edit'),
  }],
  ['env', { values: values('u unset C chdir S split_string'), assignments: true }],
  ['nice', { values: values('n adjustment') }],
  ['ionice', { values: values('c n p P u class classdata') }],
  ['taskset', { values: new Map(), positional: 1, stops: names('p pid') }],
  ['numactl', { values: values('N m C p i P cpunodebind membind physcpubind preferred interleave') }],
  ['stdbuf', { values: values('i o e input output error') }],
  ['timeout', { values: values('s k signal kill_after'), positional: 1 }],
  ['srun', { values: values(SLURM_VALUES) }],
  ['mpirun', { values: new Map([...values('n np N H host hostfile machinefile x map_by bind_to rank_by npernode wdir'), ...values('mca gmca', 2)]) }],
  ['mpiexec', { values: new Map([...values('n np N H host hostfile machinefile x map_by bind_to rank_by npernode wdir'), ...values('mca gmca', 2)]) }],
  ['xvfb-run', { values: values('n s e f p w server_args server_num error_file auth_file') }],
  ['unbuffer', { values: new Map() }],
  ['chronic', { values: new Map() }],
]);

/** `sbatch [opts] job.sh`: the batch script runs by its shebang. */
export const SBATCH: PrefixSpec = { values: values(SLURM_VALUES) };

/** `<tool> run [opts] cmd…` environment wrappers, keyed by tool basename. */
export const RUN_WRAPPERS: ReadonlyMap<string, PrefixSpec & { pythonScripts: boolean }> = new Map([
  ['uv', {
    values: values(`with with_editable with_requirements python p project directory package extra group only_group
      no_group env_file index default_index index_url extra_index_url find_links f index_strategy keyring_provider
      resolution prerelease config_setting C link_mode refresh_package reinstall_package upgrade_package P
      exclude_newer cache_dir config_file color python_preference no_binary_package no_build_package
      allow_insecure_host fork_strategy`),
    module: names('m module'),
    pythonScripts: true,
  }],
  ['poetry', { values: values('C directory P project'), pythonScripts: false }],
  ['pipenv', { values: new Map(), pythonScripts: false }],
  ['pdm', { values: values('p project venv'), pythonScripts: true }],
  ['hatch', { values: new Map(), pythonScripts: false }],
  ['rye', { values: values('pyproject'), pythonScripts: false }],
  ['conda', { values: values('n name p prefix cwd a'), pythonScripts: false }],
  ['mamba', { values: values('n name p prefix cwd a'), pythonScripts: false }],
  ['micromamba', { values: values('n name p prefix cwd a'), pythonScripts: false }],
]);

export interface LauncherSpec {
  values: ReadonlySet<string>;
  flags: ReadonlySet<string>;
  /** Flags meaning the target is a module (`torchrun -m pkg.mod`). */
  module: ReadonlySet<string>;
}

export const LAUNCHERS = {
  torchrun: {
    values: names(`nnodes nproc_per_node node_rank master_addr master_port rdzv_backend rdzv_endpoint rdzv_id
      rdzv_conf max_restarts monitor_interval start_method role log_dir r redirects t tee local_addr logs_specs
      local_ranks_filter run_path event_log_handler numa_binding`),
    flags: names('standalone no_python use_env h help'),
    module: names('m module'),
  },
  accelerate: {
    values: names(`config_file num_processes num_machines machine_rank main_process_ip main_process_port
      mixed_precision dynamo_backend dynamo_mode gpu_ids deepspeed_config_file zero_stage offload_optimizer_device
      offload_param_device offload_optimizer_nvme_path offload_param_nvme_path gradient_accumulation_steps
      gradient_clipping zero3_init_flag zero3_save_16bit_model deepspeed_hostfile deepspeed_exclusion_filter
      deepspeed_inclusion_filter deepspeed_multinode_launcher fsdp_offload_params fsdp_min_num_params
      fsdp_sharding_strategy fsdp_reshard_after_forward fsdp_auto_wrap_policy fsdp_transformer_layer_cls_to_wrap
      fsdp_backward_prefetch fsdp_backward_prefetch_policy fsdp_state_dict_type fsdp_forward_prefetch
      fsdp_use_orig_params fsdp_cpu_ram_efficient_loading fsdp_sync_module_states fsdp_activation_checkpointing
      fsdp_version num_cpu_threads_per_process rdzv_backend rdzv_conf max_restarts monitor_interval
      main_training_function downcast_bf16 tpu_vm env mpirun_hostfile mpirun_ccl megatron_lm_tp_degree
      megatron_lm_pp_degree megatron_lm_num_micro_batches megatron_lm_sequence_parallelism
      megatron_lm_recompute_activations megatron_lm_use_distributed_optimizer megatron_lm_gradient_clipping
      tpu_name tpu_zone vm commands command_file log_dir`),
    flags: names(`multi_gpu cpu tpu use_deepspeed use_fsdp use_megatron_lm use_xpu ipex debug q quiet no_python
      same_network enable_cpu_affinity dynamo_use_fullgraph dynamo_use_dynamic dynamo_use_regional_compilation
      tpu_use_cluster tpu_use_sudo h help`),
    module: names('m module'),
  },
  deepspeed: {
    values: names(`num_gpus num_nodes include i exclude e hostfile H master_port master_addr launcher launcher_args
      node_rank min_elastic_nodes max_elastic_nodes bind_core_list ssh_port comment venv_script autotuning
      world_info`),
    flags: names(`no_python no_local_rank force_multi save_pid enable_each_rank_log elastic_training
      bind_cores_to_rank no_ssh no_ssh_check h help`),
    module: names('module'),
  },
} satisfies Record<'torchrun' | 'accelerate' | 'deepspeed', LauncherSpec>;

/** Python's own options that take a value (`-X dev`, `-W ignore`); `c` and `m` are handled apart. */
export const PYTHON_VALUE_FLAGS = 'cmXW';

/** Stdlib top-level modules (Python 3.11 `sys.stdlib_module_names`, public ones). */
const STDLIB = names(`abc aifc antigravity argparse array ast asynchat asyncio asyncore atexit audioop base64 bdb
  binascii bisect builtins bz2 cProfile calendar cgi cgitb chunk cmath cmd code codecs codeop collections colorsys
  compileall concurrent configparser contextlib contextvars copy copyreg crypt csv ctypes curses dataclasses
  datetime dbm decimal difflib dis distutils doctest email encodings ensurepip enum errno faulthandler fcntl filecmp
  fileinput fnmatch fractions ftplib functools gc genericpath getopt getpass gettext glob graphlib grp gzip hashlib
  heapq hmac html http idlelib imaplib imghdr imp importlib inspect io ipaddress itertools json keyword lib2to3
  linecache locale logging lzma mailbox mailcap marshal math mimetypes mmap modulefinder msilib msvcrt
  multiprocessing netrc nis nntplib nt ntpath nturl2path numbers opcode operator optparse os ossaudiodev pathlib pdb
  pickle pickletools pipes pkgutil platform plistlib poplib posix posixpath pprint profile pstats pty pwd py_compile
  pyclbr pydoc pydoc_data pyexpat queue quopri random re readline reprlib resource rlcompleter runpy sched secrets
  select selectors shelve shlex shutil signal site smtpd smtplib sndhdr socket socketserver spwd sqlite3
  sre_compile sre_constants sre_parse ssl stat statistics string stringprep struct subprocess sunau symtable sys
  sysconfig syslog tabnanny tarfile telnetlib tempfile termios textwrap this threading time timeit tkinter token
  tokenize tomllib trace traceback tracemalloc tty turtle turtledemo types typing unicodedata unittest urllib uu
  uuid venv warnings wave weakref webbrowser winreg winsound wsgiref xdrlib xml xmlrpc zipapp zipfile zipimport zlib
  zoneinfo`);

/** Stdlib packages: a dotted module under one of these (`http.server`, `json.tool`) is stdlib too. */
const STDLIB_PACKAGES = names(`asyncio collections concurrent ctypes curses dbm distutils email encodings ensurepip
  html http idlelib importlib json lib2to3 logging msilib multiprocessing pydoc_data sqlite3 tkinter tomllib
  turtledemo unittest urllib venv wsgiref xml xmlrpc zoneinfo`);

/** Installed tools and libraries commonly run with `-m`; never repo scripts. */
const TOOL_PACKAGES = names(`pip pytest virtualenv pipx build twine setuptools wheel black ruff mypy isort flake8
  pylint coverage pre_commit tox nox ipykernel jupyter notebook nbconvert jupyterlab IPython spacy nltk uvicorn
  gunicorn streamlit gradio torch accelerate deepspeed vllm sglang transformers huggingface_hub datasets tensorboard
  wandb debugpy pyinstrument memory_profiler line_profiler scalene lm_eval lighteval mlx_lm llama_cpp sphinx mkdocs
  poetry pdm hatch uv conda grpc_tools pybind11 cython Cython nuitka PyInstaller pyright pydevd ray mlflow dvc
  openai bitsandbytes flash_attn triton`);

/** A module that is not the repo's own: stdlib (whole package or exact module) or a well-known tool. */
export function isExternalModule(module: string): boolean {
  const top = module.split('.')[0] ?? module;
  if (TOOL_PACKAGES.has(top)) return true;
  if (module === top) return STDLIB.has(top);
  return STDLIB_PACKAGES.has(top);
}

/** How many option words follow at `j` (`cd -P dir`, `pushd -n dir`). */
export function countOptions(cmd: readonly Word[], j: number): number {
  let k = j;
  while (/^-[LPe@n]+$/.test(cmd[k]?.text ?? '')) k++;
  return k - j;
}

/** Skip a prefix command's options; the index of the command it runs, or null when it runs none. */
export function skipOptions(cmd: readonly Word[], j: number, spec: PrefixSpec): { index: number; module: boolean } | null {
  let positional = spec.positional ?? 0;
  let optionsDone = false;
  for (;;) {
    const word = cmd[j];
    if (word === undefined) return { index: j, module: false };
    const arg = word.text;
    if (!optionsDone && arg === '--') {
      optionsDone = true;
      j++;
      continue;
    }
    if (!optionsDone && arg.startsWith('-') && arg.length > 1) {
      const name = optionName(arg);
      if (spec.stops?.has(name) === true) return null;
      if (spec.module?.has(name) === true) return { index: j + 1, module: true };
      j += arg.includes('=') ? 1 : 1 + (spec.values.get(name) ?? 0);
      continue;
    }
    if (spec.assignments === true && ASSIGN_RE.test(arg)) {
      j++;
      continue;
    }
    if (positional > 0) {
      positional--;
      j++;
      continue;
    }
    return { index: j, module: false };
  }
}
