#!/usr/bin/env bash
set -euo pipefail

az aks create \
  --resource-group myResourceGroup \
  --name myAKSCluster \
  --auto-upgrade-channel patch \
  --node-os-upgrade-channel None \
  --generate-ssh-keys

# Patches are installed by the nodes themselves; kured reboots them.
az aks update \
  --resource-group myResourceGroup \
  --name myAKSClusterOld \
  --node-os-upgrade-channel Unmanaged

az aks update \
  --resource-group myResourceGroup \
  --name myAKSClusterDev \
  --node-os-upgrade-channel unmanaged
