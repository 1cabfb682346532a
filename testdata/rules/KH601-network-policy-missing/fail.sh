#!/usr/bin/env bash
# Production cluster: created without choosing a network policy engine.
set -euo pipefail

az aks create \
  --resource-group myResourceGroup \
  --name myAKSCluster \
  --node-count 3 \
  --network-plugin azure \
  --generate-ssh-keys

az aks create \
  --resource-group myResourceGroup \
  --name myAKSClusterDev \
  --network-plugin azure \
  --network-policy none \
  --generate-ssh-keys

az aks update \
  --resource-group myResourceGroup \
  --name myAKSCluster \
  --network-policy none
