#!/usr/bin/env bash
set -euo pipefail

az aks create \
  --resource-group myResourceGroup \
  --name myAKSCluster \
  --auto-upgrade-channel patch \
  --node-os-upgrade-channel NodeImage \
  --generate-ssh-keys

# Without the flag the cluster gets NodeImage.
az aks create \
  --resource-group myResourceGroup \
  --name myAKSClusterDev \
  --generate-ssh-keys

az aks update \
  --resource-group myResourceGroup \
  --name myAKSClusterOld \
  --node-os-upgrade-channel SecurityPatch

az aks update \
  --resource-group myResourceGroup \
  --name myAKSClusterTest \
  --node-os-upgrade-channel ${NODE_OS_CHANNEL}
