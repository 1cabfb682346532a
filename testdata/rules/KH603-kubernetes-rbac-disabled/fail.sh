#!/usr/bin/env bash
# Quick test cluster.
set -euo pipefail

az aks create \
  --resource-group myResourceGroup \
  --name myAKSCluster \
  --node-count 1 \
  --disable-rbac \
  --generate-ssh-keys
