# Debian packages: bubblewrap for the sandbox's namespaces; build tools for llama-cpp-python.
apt_need bubblewrap build-essential cmake ninja-build git
