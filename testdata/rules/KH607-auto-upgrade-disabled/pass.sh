#!/usr/bin/env bash
set -euo pipefail

az aks create \
  --resource-group myResourceGroup \
  --name myAKSCluster \
  --node-count 3 \
  --auto-upgrade-channel patch \
  --node-os-upgrade-channel NodeImage \
  --generate-ssh-keys

az aks create \
  --resource-group myResourceGroup \
  --name myAKSClusterDev \
  --auto-upgrade-channel $UPGRADE_CHANNEL \
  --generate-ssh-keys

az aks update \
  --resource-group myResourceGroup \
  --name myAKSClusterOld \
  --auto-upgrade-channel stable

# An update without the flag leaves the channel as it is.
az aks update \
  --resource-group myResourceGroup \
  --name myAKSClusterOld \
  --enable-defender
