# Debian packages: bubblewrap for the sandbox's namespaces. (No compiler: the default model
# runtime is a prebuilt wheel; the opt-in llama-cpp-python build asks for its own tools.)
apt_need bubblewrap git
