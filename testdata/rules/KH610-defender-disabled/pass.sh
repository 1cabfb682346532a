#!/usr/bin/env bash
set -euo pipefail

az aks create \
  --resource-group myResourceGroup \
  --name myAKSCluster \
  --node-count 3 \
  --enable-defender \
  --defender-config defender-config.json \
  --generate-ssh-keys

az aks update \
  --resource-group myResourceGroup \
  --name myAKSClusterOld \
  --enable-defender

az aks update \
  --resource-group myResourceGroup \
  --name myAKSClusterOld \
  --auto-upgrade-channel patch
