#!/usr/bin/env bash
set -euo pipefail

az aks create \
  --resource-group myResourceGroup \
  --name myAKSCluster \
  --node-count 3 \
  --generate-ssh-keys

az aks create \
  --resource-group myResourceGroup \
  --name myAKSClusterPinned \
  --node-count 3 \
  --auto-upgrade-channel none \
  --generate-ssh-keys

# Freeze upgrades during the migration.
az aks update \
  --resource-group myResourceGroup \
  --name myAKSClusterOld \
  --auto-upgrade-channel none
